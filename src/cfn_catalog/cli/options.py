"""Options and helpers shared by the CLI's command modules (click only: start-up stays light)."""

from __future__ import annotations

import sys

import click

from cfn_catalog.errors import UsageError


def names_argument(func=None, *, all_help: str = "Every template in the catalog."):
    """NAME... arguments plus --all, shared by every command that takes templates.

    Use bare (`@names_argument`) or with the meaning of --all for commands that
    read rendered files (`@names_argument(all_help="Every rendered template in --dir.")`).
    """

    def decorate(f):
        f = click.option("--all", "all_", is_flag=True, help=all_help)(f)
        return click.argument("names", nargs=-1, metavar="[NAME]...")(f)

    return decorate(func) if func is not None else decorate


RENDERED = "Every rendered template in --dir."


def check_selection(names: tuple[str, ...], all_: bool) -> None:
    if all_ and names:
        raise UsageError("give template names or --all, not both")
    if not all_ and not names:
        raise UsageError("name at least one template, or use --all (see 'cfn-catalog list')")


def dir_option(func):
    """--dir: where the rendered templates are read from."""
    return click.option(
        "--dir",
        "directory",
        type=click.Path(file_okay=False),
        default="templates_out",
        show_default=True,
        help="Directory of rendered templates.",
    )(func)


def progress(length: int, label: str, *, quiet: bool):
    """A progress bar on a terminal; nothing when quiet or piped."""
    if quiet or not sys.stderr.isatty():
        return _NoProgress()
    return click.progressbar(length=length, label=label, file=sys.stderr)


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        pass
