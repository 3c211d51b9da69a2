"""The data layer: connection, models, migrations and queries (knows nothing of Textual)."""
