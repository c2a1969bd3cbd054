"""Loopback APIs the action tests call: one that checks (and echoes) its API key."""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI, Header, HTTPException

ECHO_SPEC = """
openapi: 3.1.0
info: {title: Echo API, version: '1'}
servers: [{url: 'http://127.0.0.1:1'}]
paths:
  /whoami:
    get:
      operationId: whoAmI
      parameters:
        - {name: greeting, in: query, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
  /items:
    post:
      operationId: createItem
      x-openai-isConsequential: true
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
      responses: {'201': {description: created}}
"""


def echo_app(expected_key: str) -> FastAPI:
    """Answers only with the right bearer key, and echoes the header back (to test redaction)."""
    app = FastAPI()

    @app.get("/whoami")
    def whoami(greeting: str, authorization: str = Header("")) -> dict[str, str]:
        if authorization != f"Bearer {expected_key}":
            raise HTTPException(status_code=401, detail="bad key")
        return {"greeting": greeting, "you_sent": authorization}

    @app.post("/items", status_code=201)
    def create_item(item: dict[str, Any] = Body(...)) -> dict[str, Any]:
        app.state.created.append(item)
        return {"created": item}

    app.state.created = []
    return app
