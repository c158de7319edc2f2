"""Rhythm's storage: SQLModel tables, engine and sessions, the tenant context and Alembic migrations."""
