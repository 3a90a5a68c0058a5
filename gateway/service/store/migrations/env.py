"""Alembic environment: runs on the connection the store hands over (never a URL of its own).

Batch mode on SQLite (ALTER TABLE there cannot change constraints: Alembic copies the table).
"""

from __future__ import annotations

from alembic import context

from gateway.service.store._models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
