"""Personal API tokens for scripts: shown once, stored hashed."""

from __future__ import annotations

from fastapi import APIRouter, status

from gptforge.store import TokenRepository
from gptforge.web.deps import CurrentSubject, DbSession
from gptforge.web.errors import NotFound
from gptforge.web.schemas import TokenCreated, TokenIn, TokenOut

router = APIRouter(tags=["tokens"])


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
async def create_token(body: TokenIn, subject: CurrentSubject, session: DbSession) -> TokenCreated:
    """A new token; copy it now, it is never shown again."""
    record, token = await TokenRepository(session).create(subject.user, body.name)
    return TokenCreated(id=record.id, name=record.name, token=token, created_at=record.created_at)


@router.get("/tokens")
async def list_tokens(subject: CurrentSubject, session: DbSession) -> list[TokenOut]:
    return [
        TokenOut(id=t.id, name=t.name, created_at=t.created_at, last_used_at=t.last_used_at)
        for t in await TokenRepository(session).list_for(subject.user_id)
    ]


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_token(token_id: str, subject: CurrentSubject, session: DbSession) -> None:
    if not await TokenRepository(session).delete(subject.user_id, token_id):
        raise NotFound(f"You have no token {token_id!r}.", code="token_not_found")
