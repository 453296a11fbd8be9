"""Operating the database: schema push/verify, seed data, health, the ``python -m db`` CLI."""
