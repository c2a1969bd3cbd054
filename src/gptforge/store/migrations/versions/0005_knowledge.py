"""Knowledge files: files per GPT (draft flag), the versions using them, their passages,
and the full-text index (SQLite FTS5 table filled by triggers / PostgreSQL tsvector).

Revision ID: 0005_knowledge
Revises: 0002
Create Date: 2026-11-26 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_knowledge"
down_revision: str | None = "0004_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "knowledge_files",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("gpt_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("char_count", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("in_draft", sa.Boolean(), nullable=False),
        sa.Column("embedding_model", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gpt_id"], ["gpts.id"], name=op.f("fk_knowledge_files_gpt_id_gpts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_files")),
    )
    with op.batch_alter_table("knowledge_files", schema=None) as batch_op:
        batch_op.create_index("ix_knowledge_files_gpt_draft", ["gpt_id", "in_draft"], unique=False)
    op.create_table(
        "knowledge_file_versions",
        sa.Column("gpt_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["gpt_id"],
            ["gpts.id"],
            name=op.f("fk_knowledge_file_versions_gpt_id_gpts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["knowledge_files.id"],
            name=op.f("fk_knowledge_file_versions_file_id_knowledge_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "gpt_id", "version", "file_id", name=op.f("pk_knowledge_file_versions")
        ),
    )
    with op.batch_alter_table("knowledge_file_versions", schema=None) as batch_op:
        batch_op.create_index("ix_knowledge_file_versions_file", ["file_id"], unique=False)
    op.create_table(
        "knowledge_chunks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.String(length=40), nullable=False),
        sa.Column("gpt_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("page_start", sa.Integer(), nullable=True),
        sa.Column("page_end", sa.Integer(), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["knowledge_files.id"],
            name=op.f("fk_knowledge_chunks_file_id_knowledge_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_chunks")),
    )
    with op.batch_alter_table("knowledge_chunks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_knowledge_chunks_file_position", ["file_id", "position"], unique=False
        )
        batch_op.create_index("ix_knowledge_chunks_gpt", ["gpt_id"], unique=False)

    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE knowledge_fts USING fts5("
            "gpt_key, heading, text, tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER knowledge_chunks_fts_insert AFTER INSERT ON knowledge_chunks BEGIN "
            "INSERT INTO knowledge_fts (rowid, gpt_key, heading, text) "
            "VALUES (new.id, hex(new.gpt_id), new.heading, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER knowledge_chunks_fts_delete AFTER DELETE ON knowledge_chunks BEGIN "
            "DELETE FROM knowledge_fts WHERE rowid = old.id; END"
        )
    else:
        op.execute(
            "ALTER TABLE knowledge_chunks ADD COLUMN search tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english', heading), 'A') || "
            "setweight(to_tsvector('english', text), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_knowledge_chunks_search ON knowledge_chunks USING gin (search)")


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS knowledge_chunks_fts_delete")
        op.execute("DROP TRIGGER IF EXISTS knowledge_chunks_fts_insert")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    op.drop_table("knowledge_chunks")
    op.drop_table("knowledge_file_versions")
    op.drop_table("knowledge_files")
