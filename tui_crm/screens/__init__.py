"""Screens: one screen (with its own modals) per file; they present and dispatch only."""
