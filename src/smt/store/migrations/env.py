"""Alembic environment: always run with a connection handed in by smt.store.engine.migrate."""

from alembic import context

from smt.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `smt init` (smt.store.engine.migrate)")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
