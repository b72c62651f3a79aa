"""The counter's local SQLite store: schema, migrations, the outbox, and typed access."""
