"""The web pages served at ``/``: server-rendered Jinja2 templates and small JS modules.

Every page handler authenticates with the API's dependency and loads objects with the
API's loaders (``web/authz.py``); the pages' scripts then call the same ``/api/v1``.
"""

from __future__ import annotations

from fastapi import APIRouter

from gptforge.web.pages import account, admin, editor, gpts, home
from gptforge.web.pages.routing import STATIC_DIR, TEMPLATES_DIR

router = APIRouter()
for _module in (account, home, gpts, admin, editor):
    router.include_router(_module.router)

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "router"]
