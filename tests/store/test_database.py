"""The database: URLs, SQLite in WAL mode in the data directory, migrations from empty."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from gptforge.errors import ConfigError
from gptforge.store import Database, UserRepository, database_url
from tests.store.databases import postgres_cluster

TABLES = {
    "users",
    "sessions",
    "api_tokens",
    "login_failures",
    "admin_settings",
    "gpts",
    "gpt_versions",
    "actions",
    "gpt_search",
    "alembic_version",
    "conversations",
    "conversation_events",
    "approvals",
    "oauth_states",
    "oauth_tokens",
}


class TestDatabaseUrl:
    def test_default_is_sqlite_in_the_data_dir(self, tmp_path: Path) -> None:
        url = database_url(None, tmp_path / "data")
        assert url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'gptforge.db'}"
        assert (tmp_path / "data").is_dir()

    @pytest.mark.parametrize(
        "url", ["postgresql+asyncpg://u:p@h/db", "postgresql+psycopg://u@h:5432/db"]
    )
    def test_postgres_urls_are_accepted(self, url: str, tmp_path: Path) -> None:
        assert database_url(url, tmp_path) == url

    @pytest.mark.parametrize("url", ["postgresql://u@h/db", "mysql+aiomysql://h/db", "nonsense"])
    def test_other_urls_say_what_to_write(self, url: str, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="postgresql\\+asyncpg"):
            database_url(url, tmp_path)


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


class TestMigrations:
    async def test_sqlite_from_empty_in_wal_mode(self, tmp_path: Path) -> None:
        db = Database(database_url(None, tmp_path))
        await db.migrate()
        await db.migrate()  # again: nothing to do
        assert await _tables(db) >= TABLES
        async with db.engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
        assert mode == "wal" and keys == 1
        await db.dispose()

    async def test_postgresql_from_empty(self) -> None:
        cluster = postgres_cluster()
        name = "m_" + uuid.uuid4().hex[:12]
        admin = Database(cluster.admin_url)
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
        db = Database(cluster.url(name))
        await db.migrate()
        await db.migrate()
        assert await _tables(db) >= TABLES
        async with db.session() as session:
            users = UserRepository(session)
            await users.create(email="A@B.C", display_name="A", password_hash="x", is_admin=True)
        async with db.session() as session:
            assert (await UserRepository(session).by_email("a@b.c")) is not None
        await db.dispose()

    async def test_session_rolls_back_on_error(self, tmp_path: Path) -> None:
        db = Database(database_url(None, tmp_path))
        await db.migrate()
        with pytest.raises(RuntimeError):
            async with db.session() as session:
                await UserRepository(session).create(
                    email="a@b.c", display_name="A", password_hash="x", is_admin=False
                )
                raise RuntimeError("boom")
        async with db.session() as session:
            assert await UserRepository(session).count() == 0
        await db.dispose()
