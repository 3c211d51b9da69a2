"""Reusable widgets: one per file; they show rows and post messages."""
