"""Persistence: SQLAlchemy 2 (async) models, repositories and Alembic migrations.

SQLite (``gptforge.db`` in the data directory, WAL) by default, PostgreSQL when
``GPTFORGE_DATABASE_URL`` says so. Repositories hold every query; they flush but never
commit: the caller (one request, one session) commits once.
"""

from gptforge.store.accounts import (
    LoginFailureRepository,
    SessionRepository,
    TokenRepository,
    UserRepository,
    normalize_email,
    token_hash,
)
from gptforge.store.admin import AdminSettingsRepository
from gptforge.store.conversations import (
    ConversationRepository,
    DbApprovalStore,
    Progress,
    StoredEvent,
    visible_conversations,
)
from gptforge.store.database import (
    Database,
    behind_requests,
    database_url,
    outside_sessions,
)
from gptforge.store.files import FileRepository, StoredFile, visible_files
from gptforge.store.gpts import GptRepository, gpt_visible_to, visible_gpts
from gptforge.store.limits import Hit, RateCounter, RateLimitRepository, uses_builder_key
from gptforge.store.models import (
    DRAFT,
    ActionRecord,
    AdminSetting,
    ApiToken,
    Approval,
    Base,
    Conversation,
    ConversationEvent,
    Gpt,
    GptVersion,
    LoginFailure,
    LoginSession,
    OAuthState,
    OAuthToken,
    User,
    new_id,
    utcnow,
)
from gptforge.store.oauth import DbStateStore, DbTokenStore
from gptforge.store.search import BadCursor, Page, SearchIndex, Sort
from gptforge.store.secrets import SecretBox

__all__ = [
    "DRAFT",
    "ActionRecord",
    "AdminSetting",
    "AdminSettingsRepository",
    "ApiToken",
    "Approval",
    "BadCursor",
    "Base",
    "Conversation",
    "ConversationEvent",
    "ConversationRepository",
    "Database",
    "DbApprovalStore",
    "DbStateStore",
    "DbTokenStore",
    "FileRepository",
    "Gpt",
    "GptRepository",
    "GptVersion",
    "Hit",
    "LoginFailure",
    "LoginFailureRepository",
    "LoginSession",
    "OAuthState",
    "OAuthToken",
    "Page",
    "Progress",
    "RateCounter",
    "RateLimitRepository",
    "SearchIndex",
    "SecretBox",
    "SessionRepository",
    "Sort",
    "StoredEvent",
    "StoredFile",
    "TokenRepository",
    "User",
    "UserRepository",
    "behind_requests",
    "database_url",
    "gpt_visible_to",
    "new_id",
    "normalize_email",
    "outside_sessions",
    "token_hash",
    "uses_builder_key",
    "utcnow",
    "visible_conversations",
    "visible_files",
    "visible_gpts",
]
