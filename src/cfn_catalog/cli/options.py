"""Options and helpers shared by the CLI's command modules (click only: start-up stays light)."""

from __future__ import annotations

import sys
import threading

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


def report_options(func):
    """--format text|json|sarif and --out FILE, for commands whose report is a list of findings."""
    func = click.option(
        "--out",
        type=click.Path(dir_okay=False),
        help="Write the report to this file (atomically) instead of stdout.",
    )(func)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "sarif"]),
        default="text",
        show_default=True,
        help="text: one line per finding; json: a list of findings; sarif: SARIF 2.1.0 for code-scanning UIs.",
    )(func)


def check_rendered_selection(names: tuple[str, ...], all_: bool, quiet: bool, verbose: bool) -> None:
    """The selection of a command that reads rendered files: names (not file paths) or --all; -q or -v."""
    check_selection(names, all_)
    for name in names:
        if "/" in name or name.endswith((".yaml", ".yml", ".json")):
            stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            folder = name.rsplit("/", 1)[0] if "/" in name else "."
            raise UsageError(
                f"{name!r} is a file: name the template and give its directory, e.g. '{stem} --dir {folder}'"
            )
    if quiet and verbose:
        raise UsageError("give -q/--quiet or -v/--verbose, not both")


def emit_report(text: str, out: str | None, *, quiet: bool) -> None:
    """The report on stdout, or written atomically to --out (saying so on stderr unless quiet)."""
    if out is None:
        click.echo(text, nl=False)
        return
    from pathlib import Path

    from cfn_catalog.fsutil import atomic_write

    atomic_write(Path(out), text)
    if not quiet:
        click.echo(f"wrote {out}", err=True)


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


def verbosity(func):
    func = click.option("-v", "--verbose", is_flag=True, help="Show each item's timing.")(func)
    return click.option("-q", "--quiet", is_flag=True, help="No progress; only results and errors.")(func)


def confirm(text: str) -> bool:
    try:
        return click.confirm(text, default=False, err=True)
    except click.Abort:  # end of input: not approved
        click.echo("", err=True)
        return False


class Terminal:
    """A deploy.Reporter: lines on stdout, a live status line on stderr when it is a terminal."""

    def __init__(self, *, quiet: bool, show_changes: bool, err: bool = False):
        self.err = err  # progress on stderr, so stdout holds only results
        self.quiet = quiet
        self.show_changes = show_changes
        self.live = not quiet and sys.stderr.isatty()
        self.counts: dict[str, tuple[int, int]] = {}
        self.lock = threading.Lock()

    def line(self, region: str, text: str, kind: str = "info") -> None:
        if kind == "change" and not self.show_changes:
            return
        if kind in ("info", "event") and self.quiet:
            return
        with self.lock:
            self._clear()
            click.echo(f"[{region}] {text}" if region else text, err=self.err)
            self._draw()

    def progress(self, region: str, done: int, total: int) -> None:
        with self.lock:
            self._clear()
            self.counts[region] = (done, total)
            if done >= total:  # a settled region leaves the status line (a prompt may follow)
                del self.counts[region]
            self._draw()

    def close(self) -> None:
        with self.lock:
            self._clear()
            self.counts.clear()

    def _clear(self) -> None:
        if self.live and self.counts:
            self._status("")

    def _draw(self) -> None:
        if self.live and self.counts:
            self._status("  ".join(f"{r}: {d}/{t} resources" for r, (d, t) in self.counts.items()))

    @staticmethod
    def _status(text: str) -> None:
        # Not click.echo: it strips the erase-line escape when it thinks stderr is no terminal.
        sys.stderr.write(f"\r\x1b[K{text}")
        sys.stderr.flush()


def aws_profile(func):
    """--profile: the named AWS CLI profile for every AWS call of the command (as AWS_PROFILE would)."""

    def use(ctx, param, value):
        if value:
            import os
            import re

            if not re.match(r"^[\w.+@:/-]{1,128}$", value):
                raise UsageError(f"invalid AWS profile name {value!r}")
            os.environ["AWS_PROFILE"] = value
        return value

    return click.option(
        "--profile",
        "aws_profile_name",
        expose_value=False,
        callback=use,
        help="AWS CLI profile to use (default: AWS_PROFILE, else the default credentials).",
    )(func)
