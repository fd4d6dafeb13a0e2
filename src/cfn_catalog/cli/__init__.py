"""The click commands: parse, call a module, echo. Nothing imports this package but the entry point."""

from cfn_catalog.cli.app import main

__all__ = ["main"]
