"""Domain services: plain Python over the db layer, returning frozen rows (never Textual)."""
