"""Storage: SQLAlchemy tables, the engine chosen by settings, and Alembic migrations."""
