"""Subcommands that live in their own modules, found by name (``tui_crm/commands/*.py``).

Each module defines ``register(commands, common)``: it adds its parser(s) to the
``commands`` subparsers action (with ``parents=[common]`` for ``--db/--clerk/--config``)
and sets ``run=`` on them through ``set_defaults``. ``run(settings, args)`` returns the
exit status. Modules import their services inside ``run`` so that ``tui-crm`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_crm.config import Settings

Runner = Callable[["Settings", argparse.Namespace], int]
"""What a subcommand's ``run`` default is."""


def register_all(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Let every module of this package add its subcommands, in name order."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(commands, common)
