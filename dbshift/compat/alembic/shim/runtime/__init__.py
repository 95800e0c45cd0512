"""``alembic.runtime``: the migration context and the environment context."""
