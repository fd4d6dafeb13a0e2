"""The `cfn-catalog` command: parse, call a module, echo.

Only click and this package's light modules are imported at start-up;
troposphere, cfn-lint and boto3 are imported by the commands that need them,
so `--help` and shell completion stay instant.
"""

from __future__ import annotations

import sys

import click

from cfn_catalog import __version__
from cfn_catalog.errors import CatalogError, UsageError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class CatalogGroup(click.Group):
    """Turns a CatalogError into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CatalogError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Aborted.", err=True)
            ctx.exit(130)


@click.group(cls=CatalogGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="cfn-catalog")
def main() -> None:
    """A catalog of production-grade CloudFormation templates.

    Example:

        cfn-catalog list
        cfn-catalog render --all
        cfn-catalog lint --all
    """


def names_argument(func):
    """NAME... arguments plus --all, shared by every command that takes templates."""
    func = click.option("--all", "all_", is_flag=True, help="Every template in the catalog.")(func)
    return click.argument("names", nargs=-1, metavar="[NAME]...")(func)


def check_selection(names: tuple[str, ...], all_: bool) -> None:
    if all_ and names:
        raise UsageError("give template names or --all, not both")
    if not all_ and not names:
        raise UsageError("name at least one template, or use --all (see 'cfn-catalog list')")


def selected(names: tuple[str, ...], all_: bool) -> list[str]:
    """The registered templates named (or all of them), checked."""
    from cfn_catalog import catalog

    check_selection(names, all_)
    return catalog.names() if all_ else catalog.check_names(names)


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def list_(as_json: bool) -> None:
    """List the templates in the catalog.

    Shows each template's resource count, rendered YAML size in bytes, the
    capabilities a stack needs (over its whole nested tree), its transform,
    nested children and description.

    Example:

        cfn-catalog list
        cfn-catalog list --json | jq -r '.[].name'
    """
    import json

    from cfn_catalog import catalog, report

    rows = [catalog.summary(name) for name in catalog.names()]
    click.echo(json.dumps(rows, indent=2) if as_json else report.table(rows))


@main.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def show(name: str, as_json: bool) -> None:
    """Describe one template: parameters, conditions, resources, outputs, tree.

    Example:

        cfn-catalog show helloworld-api
    """
    import json

    from cfn_catalog import catalog, report

    (name,) = catalog.check_names([name])
    details = report.details(name)
    click.echo(json.dumps(details, indent=2) if as_json else report.show_text(details))


@main.command()
@names_argument
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), help="Only this format (default: both).")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="templates_out",
    show_default=True,
    help="Directory to write to.",
)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print one template instead of writing files.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if files in --out are stale, missing or orphaned.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def render(names, all_, fmt, out, to_stdout, check, quiet) -> None:
    """Render templates (and their nested children) to YAML and JSON.

    Files are written atomically (temporary file, then rename) and only when
    their content changed. Output is byte-for-byte deterministic.

    Example:

        cfn-catalog render --all
        cfn-catalog render helloworld-api --stdout
        cfn-catalog render --all --check
    """
    from cfn_catalog import catalog, outputs

    if to_stdout and check:
        raise UsageError("--stdout and --check cannot be combined")
    requested = selected(names, all_)
    if to_stdout:
        if len(requested) != 1:
            raise UsageError("--stdout prints one template; name exactly one")
        click.echo(catalog.rendered(requested[0], fmt or "yaml"), nl=False)
        return
    from pathlib import Path

    out = Path(out)
    formats = [fmt] if fmt else ["yaml", "json"]
    targets = catalog.expand(requested)
    if check:
        result = outputs.check(targets, formats, out, orphans=all_)
        for line in result.lines(out):
            click.echo(line)
        if not result.clean:
            click.echo(f"{out} is out of date: run 'cfn-catalog render --all' and commit the result", err=True)
            sys.exit(1)
        if not quiet:
            click.echo(f"{len(targets) * len(formats)} files up to date in {out}")
        return
    written = outputs.write(targets, formats, out)
    if not quiet:
        for path, changed in written:
            if changed:
                click.echo(f"wrote {path}")
        changed_count = sum(changed for _, changed in written)
        click.echo(f"{changed_count} written, {len(written) - changed_count} unchanged in {out}")


@main.command()
@names_argument
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default="templates_out",
    show_default=True,
    help="Directory of rendered templates to lint.",
)
@click.option("--no-cache", is_flag=True, help="Lint everything again, ignoring cached results.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Parallel workers (default: one per core).")
@click.option("-q", "--quiet", is_flag=True, help="No progress, only findings.")
@click.option("-v", "--verbose", is_flag=True, help="Show each template's time and cache use.")
def lint(names, all_, directory, no_cache, jobs, quiet, verbose) -> None:
    """Run cfn-lint on rendered templates (and their nested children).

    Lints the files in --dir, as they will be shipped; run 'cfn-catalog
    render' first. Findings print as `file:line:col RULE message`; any finding
    exits 1. Unchanged templates are served from a cache keyed by their bytes
    and the cfn-lint version.

    Example:

        cfn-catalog lint --all
        cfn-catalog lint helloworld-api --no-cache
    """
    from pathlib import Path

    from cfn_catalog import lint as linter
    from cfn_catalog import outputs

    directory = Path(directory)
    check_selection(names, all_)
    files = outputs.rendered_files(directory, names, all_=all_)
    items = [(str(directory / f"{name}.yaml"), text) for name, text in files.items()]
    cache_dir = None if no_cache else linter.default_cache_dir()
    found = 0
    with progress(len(items), "Linting", quiet=quiet) as bar:
        for path, findings, seconds in linter.lint_texts(items, cache_dir=cache_dir, jobs=jobs):
            bar.update(1)
            if verbose:
                timing = "cached" if seconds is None else f"{seconds:.2f}s"
                click.echo(f"{path}: {len(findings)} findings ({timing})", err=True)
            for finding in findings:
                click.echo(str(finding))
            found += len(findings)
    if found:
        click.echo(f"{found} findings in {len(items)} templates", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(f"{len(items)} templates lint clean", err=True)


@main.command()
@names_argument
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default="templates_out",
    show_default=True,
    help="Directory of rendered templates to scan.",
)
def scan(names, all_, directory) -> None:
    """Run the checkov security scan, offline, on rendered templates.

    Any failed check exits 1. A finding is accepted only by a
    `Metadata.checkov.skip` entry on the resource with a written reason; a skip
    without one also fails.

    Example:

        cfn-catalog scan --all
    """
    from pathlib import Path

    from cfn_catalog import outputs
    from cfn_catalog import scan as scanner

    directory = Path(directory)
    check_selection(names, all_)
    paths = [directory / f"{name}.yaml" for name in outputs.rendered_files(directory, names, all_=all_)]
    result = scanner.scan_files(paths)
    for finding in result.failed:
        click.echo(f"FAILED {finding}")
    for finding in result.unexplained_skips:
        click.echo(f"SKIPPED WITHOUT REASON {finding}")
    click.echo(
        f"{result.passed} passed, {len(result.failed)} failed, {len(result.skipped)} accepted with a reason",
        err=True,
    )
    if result.failed or result.unexplained_skips:
        sys.exit(1)


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


if __name__ == "__main__":
    main()
