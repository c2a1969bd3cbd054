"""Real databases for store and API tests: SQLite files and a throwaway PostgreSQL cluster.

The cluster is started once per test process (Debian's ``postgresql`` package, run as
the ``postgres`` user when the tests run as root) on a free loopback port, and each
test gets its own database, copied from a migrated template. When PostgreSQL is not
installed the PostgreSQL variants are skipped, except in CI (``CI=true``), where
they fail: CI must prove both backends.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gptforge.store import Database
from tests.servers import free_port

BACKENDS = ["sqlite", "postgresql"]


@dataclass
class Cluster:
    root: Path
    port: int
    bindir: Path
    template: str | None = None

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, name: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{name}"


_cluster: Cluster | None = None
_cluster_error: str | None = None


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _start_cluster() -> Cluster:
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl); "
            "scripts/test.sh installs it with apt-get."
        )
    root = Path(tempfile.mkdtemp(prefix="gptforge-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data = root / "data"
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    cluster = Cluster(root=root, port=port, bindir=bindir)
    atexit.register(_stop_cluster, cluster)
    return cluster


def _stop_cluster(cluster: Cluster) -> None:
    subprocess.run(
        _as_postgres(
            [
                str(cluster.bindir / "pg_ctl"),
                "-D",
                str(cluster.root / "data"),
                "-m",
                "immediate",
                "stop",
            ]
        ),
        check=False,
        capture_output=True,
    )
    shutil.rmtree(cluster.root, ignore_errors=True)


def postgres_cluster() -> Cluster:
    """The process's cluster, started on first use; skips (fails in CI) without PostgreSQL."""
    global _cluster, _cluster_error
    if _cluster is None and _cluster_error is None:
        try:
            _cluster = _start_cluster()
        except (RuntimeError, OSError, subprocess.CalledProcessError, KeyError) as exc:
            stderr = getattr(exc, "stderr", b"") or b""
            _cluster_error = f"{exc} {stderr.decode(errors='replace')[-500:]}".strip()
    if _cluster is None:
        message = f"PostgreSQL unavailable: {_cluster_error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must run the PostgreSQL tests)")
        pytest.skip(message)
    return _cluster


async def _create_database(cluster: Cluster, name: str, template: str | None = None) -> None:
    engine = create_async_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            suffix = f" TEMPLATE {template}" if template else ""
            await connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    finally:
        await engine.dispose()


async def fresh_postgres_url() -> str:
    """A new, migrated database in the cluster (a copy of a template migrated once)."""
    cluster = postgres_cluster()
    if cluster.template is None:
        name = "gptforge_template"
        await _create_database(cluster, name)
        db = Database(cluster.url(name))
        await db.migrate()
        await db.dispose()
        cluster.template = name
    name = "t_" + uuid.uuid4().hex[:16]
    await _create_database(cluster, name, template=cluster.template)
    return cluster.url(name)


_sqlite_template: Path | None = None


async def fresh_sqlite_url(data_dir: Path) -> str:
    """``gptforge.db`` in ``data_dir``, copied from a template migrated once."""
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="gptforge-sqlite-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "gptforge.db"
        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.migrate()
        await db.dispose()
        _sqlite_template = path
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / "gptforge.db"
    await anyio.to_thread.run_sync(shutil.copyfile, _sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


async def drop_database(url: str) -> None:
    """Drop a PostgreSQL test database (each is several MB); SQLite files go with tmp_path."""
    if not url.startswith("postgresql"):
        return
    cluster = postgres_cluster()
    name = url.rsplit("/", 1)[1]
    engine = create_async_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


async def fresh_database_url(backend: str, data_dir: Path) -> str:
    if backend == "postgresql":
        return await fresh_postgres_url()
    return await fresh_sqlite_url(data_dir)
