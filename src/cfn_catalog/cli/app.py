"""The `cfn-catalog` command: parse, call a module, echo.

Only click and this package's light modules are imported at start-up;
troposphere, cfn-lint and boto3 are imported by the commands that need them,
so `--help` and shell completion stay instant.
"""

from __future__ import annotations

import os
import sys

import click

from cfn_catalog import __version__
from cfn_catalog.cli.options import (
    RENDERED,
    check_rendered_selection,
    check_selection,
    dir_option,
    emit_report,
    names_argument,
    progress,
    report_options,
)
from cfn_catalog.errors import CatalogError, UsageError
from cfn_catalog.wording import count

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class CatalogGroup(click.Group):
    """Every error the user can cause is one line on stderr and an exit code.

    CatalogError carries its own code; click's usage errors (unknown option,
    bad choice, missing argument) exit 2 as one line instead of click's
    usage block.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.format_message(), err=True)
            result = exc.exit_code
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "cfn-catalog"
            click.echo(f"Error: {exc.format_message()} (see '{command} -h')", err=True)
            result = exc.exit_code
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            result = exc.exit_code
        except click.Abort as exc:
            if not isinstance(exc.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
                click.echo("Aborted.", err=True)
                result = 1
            else:
                result = _interrupted()
        except CatalogError as exc:
            click.echo(f"Error: {exc}", err=True)
            result = exc.exit_code
        except KeyboardInterrupt:
            result = _interrupted()
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def _interrupted() -> int:
    """Ctrl-C: exit 130 at once, even while worker threads (stacks, uploads) would hold the exit."""
    if _busy_threads():
        click.echo("Aborted: operations already started in AWS go on; follow them with 'status'.", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    click.echo("Aborted.", err=True)
    return 130


def _busy_threads() -> bool:
    import threading

    return any(t.is_alive() and not t.daemon and t is not threading.main_thread() for t in threading.enumerate())


@click.group(cls=CatalogGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="cfn-catalog")
def main() -> None:
    """A catalog of production-grade CloudFormation templates.

    Example:

    \b
        cfn-catalog list
        cfn-catalog render --all
        cfn-catalog lint --all
    """


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

    \b
        cfn-catalog list
        cfn-catalog list --json | jq -r '.[].name'
    """
    import json

    from cfn_catalog import catalog
    from cfn_catalog.views import report

    rows = [catalog.summary(name) for name in catalog.names()]
    click.echo(json.dumps(rows, indent=2) if as_json else report.table(rows))


@main.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def show(name: str, as_json: bool) -> None:
    """Describe one template: parameters, conditions, resources, outputs, tree.

    Example:

    \b
        cfn-catalog show helloworld-api
    """
    import json

    from cfn_catalog import catalog
    from cfn_catalog.views import report

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
@click.option("--no-cache", is_flag=True, help="Build every template even if the sources are unchanged.")
@click.option("--prune", is_flag=True, help="With --all: also delete rendered files no template produces any more.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def render(names, all_, fmt, out, to_stdout, check, no_cache, prune, quiet) -> None:
    """Render templates (and their nested children) to YAML and JSON.

    Files are written atomically (temporary file, then rename) and only when
    their content changed. Output is byte-for-byte deterministic. Renders are
    cached under a fingerprint of the package's files and the troposphere and
    awacs versions, so an unchanged catalog is not rebuilt.

    Example:

    \b
        cfn-catalog render --all
        cfn-catalog render helloworld-api --stdout
        cfn-catalog render --all --check
        cfn-catalog render --all --prune
    """
    from cfn_catalog import catalog, outputs

    if to_stdout and check:
        raise UsageError("--stdout and --check cannot be combined")
    if prune and (not all_ or check or to_stdout):
        raise UsageError("--prune deletes files no template produces: use it with --all, without --check or --stdout")
    from_snapshot = catalog.use_snapshot(not no_cache)
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
            fix = "render --all --prune" if result.orphans else "render --all"
            click.echo(f"{out} is out of date: run 'cfn-catalog {fix}' and commit the result", err=True)
            sys.exit(1)
        if not quiet:
            click.echo(f"{count(len(targets) * len(formats), 'file')} up to date in {out}", err=True)
        return
    written = outputs.write(targets, formats, out)
    if prune:
        for orphan in outputs.check(targets, formats, out, orphans=True).orphans:
            (out / orphan).unlink()
            if not quiet:
                click.echo(f"removed {out / orphan}", err=True)
    if all_ and not from_snapshot and not no_cache:
        catalog.save_snapshot()
    if not quiet:
        for path, changed in written:
            if changed:
                click.echo(f"wrote {path}")
        changed_count = sum(changed for _, changed in written)
        click.echo(f"{changed_count} written, {len(written) - changed_count} unchanged in {out}", err=True)


@main.command()
@names_argument(all_help=RENDERED)
@dir_option
@report_options
@click.option("--no-cache", is_flag=True, help="Lint everything again, ignoring cached results.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Parallel workers (default: one per core).")
@click.option("-q", "--quiet", is_flag=True, help="No progress, only findings.")
@click.option("-v", "--verbose", is_flag=True, help="Show each template's time and cache use.")
def lint(names, all_, directory, fmt, out, no_cache, jobs, quiet, verbose) -> None:
    """Run cfn-lint on rendered templates (and their nested children).

    Lints the files in --dir, as they will be shipped; run 'cfn-catalog
    render' first. Findings print as `file:line:col RULE message`; any finding
    exits 1. A file that is not a complete template (not a mapping, no or
    empty Resources, invalid YAML) is a finding too. --format json prints a
    list of findings, --format sarif a SARIF 2.1.0 log for code-scanning UIs;
    the report goes to stdout (or --out), progress and the summary to stderr.
    Unchanged templates are served from a cache keyed by their bytes and the
    cfn-lint version. --verbose also names the cfn-lint version and whether
    the catalog's verified speedups are on (CFN_CATALOG_LINT_SPEEDUPS=0 turns
    them off).

    Example:

    \b
        cfn-catalog lint --all
        cfn-catalog lint helloworld-api --no-cache
        cfn-catalog lint --all --format sarif --out cfn-lint.sarif
    """
    from pathlib import Path

    from cfn_catalog import outputs
    from cfn_catalog.checks import lint as linter
    from cfn_catalog.checks import report as reports

    directory = Path(directory)
    check_rendered_selection(names, all_, quiet, verbose)
    files = outputs.rendered_files(directory, names, all_=all_)
    items = [(str(directory / f"{name}.yaml"), text) for name, text in files.items()]
    cache_dir = None if no_cache else linter.default_cache_dir()
    if verbose:
        from cfn_catalog.checks import lint_speedups

        click.echo(lint_speedups.status(linter.cfnlint_version()), err=True)
    results = {}
    with progress(len(items), "Linting", quiet=quiet) as bar:
        for path, findings, seconds in linter.lint_texts(items, cache_dir=cache_dir, jobs=jobs):
            bar.update(1)
            if verbose:
                timing = "cached" if seconds is None else f"{seconds:.2f}s"
                click.echo(f"{path}: {len(findings)} findings ({timing})", err=True)
            results[path] = findings
    every = [finding for path in sorted(results) for finding in results[path]]  # workers finish in any order
    if fmt == "text":
        report = "".join(f"{finding}\n" for finding in every)
    elif fmt == "json":
        report = reports.to_json(reports.lint_rows(every))
    else:
        rows = reports.lint_rows(every)
        report = reports.lint_sarif(rows, linter.cfnlint_version(), linter.rule_help(row["rule"] for row in rows))
    emit_report(report, out, quiet=quiet)
    if every:
        click.echo(f"{count(len(every), 'finding')} in {count(len(items), 'template')}", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(f"{count(len(items), 'template')} lint clean", err=True)


@main.command()
@names_argument(all_help=RENDERED)
@dir_option
@report_options
@click.option("-q", "--quiet", is_flag=True, help="No summary when nothing is found; only findings and errors.")
@click.option("-v", "--verbose", is_flag=True, help="Name the checkov version and show each file's results.")
def scan(names, all_, directory, fmt, out, quiet, verbose) -> None:
    """Run the checkov security scan, offline, on rendered templates.

    Any failed check exits 1. A finding is accepted only by a
    `Metadata.checkov.skip` entry on the resource with a written reason; a skip
    without one also fails, and so does a file that is not a complete
    template (checkov would skip it). --format json prints a list of findings
    (accepted ones with their reason), --format sarif a SARIF 2.1.0 log in
    which accepted findings are suppressed results; the report goes to
    stdout (or --out), the summary to stderr.

    Example:

    \b
        cfn-catalog scan --all
        cfn-catalog scan --all --format sarif --out checkov.sarif
    """
    from pathlib import Path

    from cfn_catalog import outputs
    from cfn_catalog.checks import report as reports
    from cfn_catalog.checks import scan as scanner

    directory = Path(directory)
    check_rendered_selection(names, all_, quiet, verbose)
    paths = [directory / f"{name}.yaml" for name in outputs.rendered_files(directory, names, all_=all_)]
    if verbose:
        click.echo(f"checkov {scanner.checkov_version()}, offline, {len(paths)} files", err=True)
    result = scanner.scan_files(paths)
    if verbose:
        for path in paths:
            mine = [f for f in (*result.failed, *result.skipped, *result.not_templates) if f.path == str(path)]
            failed = sum(1 for f in mine if f in result.failed or f in result.not_templates)
            passed = result.passed_by_file.get(str(path), 0)
            click.echo(f"{path}: {passed} passed, {failed} failed, {len(mine) - failed} skipped", err=True)
    problems = len(result.failed) + len(result.unexplained_skips) + len(result.not_templates)
    if fmt == "text":
        lines = [f"FAILED {finding}" for finding in result.failed]
        lines += [f"SKIPPED WITHOUT REASON {finding}" for finding in result.unexplained_skips]
        lines += [
            f"NOT A TEMPLATE {f.path}{f':{f.line}' if f.line > 1 else ''}: {f.title}" for f in result.not_templates
        ]
        report = "".join(f"{line}\n" for line in lines)
    elif fmt == "json":
        report = reports.to_json(reports.scan_rows(result))
    else:
        report = reports.scan_sarif(reports.scan_rows(result), scanner.checkov_version(), result)
    emit_report(report, out, quiet=quiet)
    summary = f"{result.passed} passed, {len(result.failed)} failed, {len(result.skipped)} accepted with a reason"
    if result.not_templates:
        summary += f", {len(result.not_templates)} not a template"
    if problems or not quiet:
        click.echo(summary, err=True)
    if problems:
        sys.exit(1)


@main.command()
@click.argument("name", required=False)
@click.option("--env", "env", help="Profile to use: params/NAME/ENV.yaml.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["cli", "overrides", "codepipeline", "cfn-lint"]),
    default="cli",
    show_default=True,
    help="cli: create-stack --parameters file://; overrides: deploy --parameter-overrides file://; "
    "codepipeline: template configuration; cfn-lint: --parameter-files.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file instead of printing.")
@click.option("--region", help="Export this region's values (for parameters with a value per region).")
@click.option("--check", is_flag=True, help="Validate every profile in the params directory (or NAME's).")
@click.option("--params-dir", default="params", show_default=True, type=click.Path(file_okay=False))
def params(name, env, fmt, out, region, check, params_dir) -> None:
    """Validate parameter profiles and export them for the AWS CLI, CodePipeline or cfn-lint.

    A profile is params/<template>/<env>.yaml with `Parameters:` (and optional
    `Extends:`, `Tags:`, `StackName:`, `Regions:`). Values are checked against
    the template: names, required parameters, types, AllowedValues,
    AllowedPattern, lengths and ranges; a value may differ per region, and
    references (!Output, !StackName, ...) must name what exists. NoEcho
    parameters may not be written in a profile. --check also plans every
    solution in solutions/ offline.

    Example:

    \b
        cfn-catalog params --check
        cfn-catalog params helloworld-api --env example --region us-west-2
        cfn-catalog params route53-failover --env example --format cli --out params.json
        aws cloudformation create-stack --stack-name dns --template-body file://templates_out/route53-failover.yaml \\
            --parameters file://params.json
    """
    from pathlib import Path

    from cfn_catalog import catalog, links
    from cfn_catalog import params as profiles

    root = Path(params_dir)
    if check:
        if env or out or region:
            raise UsageError("--check validates every profile; it takes no --env, --region or --out")
        names = catalog.check_names([name]) if name else catalog.names()
        problems = profiles.check_all(root, names, require_example=name is None)
        if name is None:
            from cfn_catalog import solutions

            problems += solutions.check_all(solutions.SOLUTIONS_DIR, params_dir=root)
        for problem in problems:
            click.echo(problem)
        found = sum(1 for t, _, _ in profiles.discover(root) if t in names)
        if problems:
            click.echo(f"{count(len(problems), 'problem')} in {root}", err=True)
            sys.exit(1)
        click.echo(f"{count(found, 'profile')} valid in {root}", err=True)
        return
    if not name or not env:
        raise UsageError("give a template NAME and --env ENV (or --check)")
    (name,) = catalog.check_names([name])
    profile = profiles.load(name, env, root)
    if region:
        links.check_region(region)
    problems = profiles.validate(profile, catalog.template_dict(name)) + profiles.check_references(profile, root)
    if problems:
        for problem in problems[1:]:
            click.echo(problem, err=True)
        raise CatalogError(problems[0])
    text = profiles.export(profile, fmt, region=region, resolve=_offline_resolver(name, env, root))
    declared = catalog.template_dict(name).get("Parameters", {})
    for key, spec in declared.items():
        if profiles.is_no_echo(spec) and "Default" not in spec:
            click.echo(
                f"left out {key} (NoEcho, required): add it where the export is used, e.g. "
                f"ParameterKey={key},ParameterValue=... for create-stack, or run 'cfn-catalog deploy {name} --env {env}' "
                f"with CFN_CATALOG_PARAM_{key} set",
                err=True,
            )
    if out:
        from cfn_catalog.fsutil import atomic_write

        atomic_write(Path(out), text)
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


def _describe(ref, region: str) -> str:
    """What a console user pastes for a reference."""
    if ref.kind == "Output":
        return f"the output {ref.output} of the {ref.name} stack in {ref.region or region}"
    if ref.kind == "StackName":
        return f"the stack name of {ref.name}"
    if ref.kind == "Region":
        return f"the region of {ref.name}"
    if ref.kind == "Env":
        return f"the value of {ref.name}" + (f" (default {ref.default})" if ref.default is not None else "")
    return f"the value of the SSM parameter {ref.name}"


def _offline_resolver(name: str, env: str, root):
    """References that need no AWS call (environment variables, stack names); others are an error naming them."""
    import os

    from cfn_catalog import catalog, inputs
    from cfn_catalog import params as profiles

    def resolve(ref, region, parameter) -> str:
        if ref.kind == "Env" and (ref.name in os.environ or ref.default is not None):
            return os.environ.get(ref.name, ref.default)
        if ref.kind == "StackName":
            (template,) = catalog.check_names([ref.name])
            other = profiles.load(template, env, root) if profiles.exists(template, env, root) else None
            return inputs.check_stack_name((other.stack_name if other else None) or f"{template}-{env}")
        raise CatalogError(
            f"{ref.where}: {parameter} is {ref}, looked up at deploy time: 'cfn-catalog deploy {name} --env {env}' "
            "resolves it"
        )

    return resolve


@main.command("launch-url")
@click.argument("name")
@click.option("--region", help="Region the stack is created in (default: AWS_REGION, else AWS_DEFAULT_REGION).")
@click.option("--bucket", required=True, help="Bucket the templates were published to ({region}: one per region).")
@click.option("--prefix", default="cfn-catalog/latest/", show_default=True, help="Key prefix of the templates.")
@click.option("--bucket-region", help="Region of the bucket (default: --region).")
@click.option("--env", help="Prefill parameters from params/NAME/ENV.yaml (NoEcho ones never).")
@click.option("--stack-name", help="Stack name to prefill (default: as deploy names it, with --env).")
@click.option("--markdown", is_flag=True, help="Print a Launch Stack badge in Markdown.")
@click.option("--params-dir", default="params", show_default=True, type=click.Path(file_okay=False))
def launch_url(name, region, bucket, prefix, bucket_region, env, stack_name, markdown, params_dir) -> None:
    """Print the CloudFormation console quick-create (Launch Stack) URL of a template.

    For nested roots, the template-location parameters are prefilled to
    match where 'cfn-catalog publish' puts the children.

    With --env, the stack name is the one deploy would use (the profile's
    StackName, else NAME-ENV) and the region's profile values are prefilled.

    Example:

    \b
        cfn-catalog launch-url helloworld-api --region us-west-2 --bucket my-templates --env example --markdown
        cfn-catalog launch-url kinesis-analytics-app --region eu-west-1 --bucket my-templates-{region}
    """
    import dataclasses
    import os
    from pathlib import Path

    from cfn_catalog import catalog, inputs, links
    from cfn_catalog import params as profiles
    from cfn_catalog.references import Ref

    (name,) = catalog.check_names([name])
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise UsageError("no region: pass --region, or set AWS_REGION or AWS_DEFAULT_REGION")
    links.check_region(region)
    bucket_region = links.check_region(bucket_region or region)
    inputs.check_bucket(bucket)
    bucket = inputs.bucket_in(bucket, bucket_region)
    prefix = inputs.normalize_prefix(prefix)
    values: dict[str, str] = {}
    declared = catalog.template_dict(name).get("Parameters", {})
    if env:
        profile = profiles.load(name, env, Path(params_dir))
        if profile.stack_set is not None:
            raise UsageError(
                f"{profile.path} deploys a stack set; a Launch Stack link creates one stack: use a profile "
                "without a StackSet section"
            )
        problems = profiles.validate(profile, catalog.template_dict(name))
        if problems:
            raise CatalogError(problems[0])
        regional = profile.for_region(region)
        literal = {k: v for k, v in regional.parameters.items() if not isinstance(v, Ref)}
        for key, ref in regional.parameters.items():
            if isinstance(ref, Ref):
                click.echo(f"{key} is not prefilled: fill in {_describe(ref, region)}", err=True)
        values = {
            k: v
            for k, v in profiles.values(dataclasses.replace(regional, parameters=literal), region).items()
            if not profiles.is_no_echo(declared[k])
        }
        stack_name = inputs.default_stack_name(name, env, stack_name or profile.stack_name)
    location = {"TemplateBucketName": bucket, "TemplateKeyPrefix": prefix, "TemplateBucketRegion": bucket_region}
    values |= {k: v for k, v in location.items() if k in declared}
    url = links.launch_url(
        region=region,
        template_url=links.template_url(bucket, f"{prefix}{name}.yaml", bucket_region),
        stack_name=stack_name,
        parameters=values,
    )
    click.echo(links.markdown_badge(url) if markdown else url)


@main.command()
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
@click.option(
    "--summary",
    is_flag=True,
    help="The docs' form: each nested stack one node, over 30 resources one node per resource type.",
)
def graph(name, fmt, summary) -> None:
    """Draw a template's resources and what references what (nested children as subgraphs).

    Parameters, resources and outputs have different shapes; Ref, GetAtt and
    Sub references are solid edges, DependsOn dashed. --summary draws what the
    template pages in docs/ show, small enough for Mermaid's size limit.

    Example:

    \b
        cfn-catalog graph helloworld-api
        cfn-catalog graph cjis-reference --summary
        cfn-catalog graph ethereum-network --format dot | dot -Tsvg > tree.svg
    """
    from cfn_catalog import catalog
    from cfn_catalog.views import graph as graphs

    (name,) = catalog.check_names([name])
    click.echo(graphs.render(name, fmt, summary=summary), nl=False)


@main.command()
@click.option("--out", default="docs", show_default=True, type=click.Path(file_okay=False), help="Docs directory.")
@click.option("--readme", default="README.md", show_default=True, type=click.Path(dir_okay=False))
@click.option(
    "--bucket",
    default="my-templates-{region}",
    show_default=True,
    help="Bucket for Launch Stack links ({region}: one per region).",
)
@click.option("--bucket-region", help="Region of a single --bucket (default: the first of --regions).")
@click.option("--prefix", default="cfn-catalog/latest/", show_default=True, help="Key prefix for Launch Stack links.")
@click.option("--regions", default="us-east-1,us-west-2,eu-west-1", show_default=True, help="Launch Stack regions.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if docs or README's catalog table are stale.")
def docs(out, readme, bucket, bucket_region, prefix, regions, check) -> None:
    """Generate a page per template, an index, and the catalog table in README.md.

    Pages hold the description, a parameters table (groups, labels, defaults,
    constraints), outputs, resources by type, capabilities, size, nested
    children, Launch Stack links for each region and a Mermaid diagram.

    Example:

    \b
        cfn-catalog docs
        cfn-catalog docs --check
    """
    from pathlib import Path

    from cfn_catalog import inputs, links
    from cfn_catalog.fsutil import write_files
    from cfn_catalog.views import docs as generator

    region_list = tuple(links.check_region(r.strip()) for r in regions.split(",") if r.strip())
    if not region_list:
        raise UsageError("--regions names no region")
    inputs.check_bucket(bucket)
    if bucket_region:
        links.check_region(bucket_region)
        if inputs.has_region_placeholder(bucket):
            raise UsageError("--bucket-region is for a single bucket; {region} in --bucket is one bucket per region")
    config = generator.DocsConfig(
        bucket=bucket, prefix=inputs.normalize_prefix(prefix), regions=region_list, bucket_region=bucket_region
    )
    out_dir, readme_path = Path(out), Path(readme)
    files = generator.generate(out_dir, config, click.get_current_context().find_root().command)
    try:
        files[readme_path] = generator.readme_with_table(readme_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogError(f"cannot update {readme_path}: {exc}") from None
    if check:
        problems = generator.stale(files, out_dir)
        for problem in problems:
            click.echo(problem)
        if problems:
            click.echo("docs are out of date: run 'cfn-catalog docs' (make docs) and commit the result", err=True)
            sys.exit(1)
        click.echo(f"{count(len(files), 'documentation file')} up to date", err=True)
        return
    changed = write_files(files)
    for orphan in generator.orphans(files, out_dir):
        orphan.unlink()
        click.echo(f"removed {orphan}", err=True)
    click.echo(f"{sum(changed.values())} written, {len(changed) - sum(changed.values())} unchanged", err=True)


@main.command()
@names_argument
@click.option("--against", "ref", help="Git ref to compare with (default: the last tag, else HEAD).")
@click.option("--against-dir", type=click.Path(file_okay=False), help="Directory of earlier rendered templates.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--params-dir", default="params", show_default=True, type=click.Path(file_okay=False))
def diff(names, all_, ref, against_dir, fmt, params_dir) -> None:
    """Show what updating stacks from an earlier catalog version would do, offline.

    Per resource: added, removed, modified properties and whether the change
    REPLACES the resource (create-only properties in the CloudFormation
    schemas), with DATA-LOSS RISK on stateful types; a renamed logical id is a
    replacement. Also breaking interface changes: removed or newly required
    parameters, narrower constraints (and profiles in params/ that would now
    fail), removed outputs and exports (and who imports them), new capabilities.
    Exit 0: no change; 1: changes; 3: breaking changes or replacements (2 stays a usage error).

    Example:

    \b
        cfn-catalog diff --all --against v0.1.0
        cfn-catalog diff helloworld-api --against-dir old-templates/ --format markdown
    """
    from pathlib import Path

    from cfn_catalog import catalog
    from cfn_catalog.checks import diff as differ

    if ref and against_dir:
        raise UsageError("give --against or --against-dir, not both")
    requested = catalog.expand(selected(names, all_))
    if against_dir:
        directory = Path(against_dir)
        label = str(directory)

        def old(name):
            return differ.old_from_dir(directory, name)

        previous = sorted(p.stem for p in directory.glob("*.yaml")) if directory.is_dir() else []
    else:
        ref = ref or differ.last_tag() or "HEAD"
        label = ref

        def old(name):
            return differ.old_from_git(ref, name)

        previous = differ.names_at(ref)
    if all_:
        requested += [n for n in previous if n not in requested]
    changes = []
    known = set(catalog.names())
    for name in requested:
        new = catalog.template_dict(name) if name in known else None
        changes += differ.compare(name, old(name), new, params_dir=Path(params_dir))
    click.echo(differ.FORMATTERS[fmt](changes, label), nl=False)
    sys.exit(differ.SEVERITY_EXIT[differ.severity(changes)])


# The commands that talk to AWS live in their own module (boto3 loads inside them).
from cfn_catalog.cli import aws_commands as cli_aws  # noqa: E402
from cfn_catalog.cli import solution_commands  # noqa: E402

cli_aws.register(main)
solution_commands.register(main)

if __name__ == "__main__":
    main()
