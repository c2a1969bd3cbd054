"""Alembic environment: always run with a connection handed over by ``Database.migrate``."""

from alembic import context

from gptforge.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "gptforge migrations run through gptforge.store.Database.migrate(), not the alembic CLI."
    )
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
