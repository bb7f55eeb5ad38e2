"""Storage: tables, sessions, migrations, the work queue and the outbox (the edge to the database)."""
