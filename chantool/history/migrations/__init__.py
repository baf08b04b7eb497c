"""Alembic's migrations of the store's schema (``versions/``, run by ``store.open_store``)."""
