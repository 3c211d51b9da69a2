"""tui-crm: a keyboard-driven terminal CRM for counter staff."""

__version__ = "0.1.0"
