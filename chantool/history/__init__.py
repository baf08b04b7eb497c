"""The history: a store of archived workbooks (SQLite by default, PostgreSQL for a team).

``schema`` defines its tables (SQLAlchemy Core, one module), ``migrations`` their
versions (Alembic), ``store`` opens a database by its URL and brings its schema up to
date, and ``archive`` puts workbooks in and lists them. The engine never imports this
package: a Book from the store is built here, with the same rules and scorers.
"""
