"""`cfn-catalog solution ...`: list, show, plan, deploy, status and delete whole solutions.

Only click is imported at start-up; the planner and boto3 load inside the commands.
"""

from __future__ import annotations

import json
import sys

import click

from cfn_catalog.cli.options import Terminal, aws_profile, confirm, dir_option, verbosity
from cfn_catalog.wording import count

DEFAULT_PREFIX = "cfn-catalog/"  # publish.DEFAULT_PREFIX, repeated to keep boto3 out of start-up


def register(group: click.Group) -> None:
    group.add_command(solution)


def _solutions_dir(func):
    func = click.option(
        "--params-dir", default="params", show_default=True, type=click.Path(file_okay=False), help="Profiles."
    )(func)
    return click.option(
        "--solutions-dir",
        default="solutions",
        show_default=True,
        type=click.Path(file_okay=False),
        help="Directory of solution files.",
    )(func)


def _env(func):
    return click.option("--env", required=True, help="Env: each step's profile params/<template>/ENV.yaml.")(func)


def _plan(name: str, env: str, solutions_dir: str, params_dir: str):
    """The plan, or every problem found on stderr and exit 1."""
    from pathlib import Path

    from cfn_catalog import solutions

    try:
        return solutions.plan(name, env, root=Path(solutions_dir), params_dir=Path(params_dir))
    except solutions.SolutionError as exc:
        for problem in exc.problems:
            click.echo(f"Error: {problem}", err=True)
        if len(exc.problems) > 1:
            click.echo(
                f"{count(len(exc.problems), 'problem')} in solution {name} (env {env}); nothing deployed", err=True
            )
        sys.exit(1)


@click.group()
def solution() -> None:
    """Deploy whole solutions: several templates, regions and wired outputs (solutions/NAME.yaml).

    Example:

    \b
        cfn-catalog solution list
        cfn-catalog solution plan multi-region-serverless --env example
        cfn-catalog solution deploy ebs-snapshot-management --env example --yes
    """


@solution.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@_solutions_dir
def list_(as_json, solutions_dir, params_dir) -> None:
    """List the solutions: name, steps and templates, description.

    Example:

    \b
        cfn-catalog solution list
        cfn-catalog solution list --json | jq -r '.[].name'
    """
    from pathlib import Path

    from cfn_catalog import solutions

    rows = []
    for name in solutions.discover(Path(solutions_dir)):
        found = solutions.load(name, Path(solutions_dir))
        templates = list(dict.fromkeys(step.template for step in found.steps.values()))
        rows.append({"name": name, "steps": len(found.steps), "templates": templates, "description": found.description})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(r["name"]) for r in rows), default=4)
    for row in rows:
        steps = count(row["steps"], "step")
        click.echo(f"{row['name']:<{width}}  {steps:<8}  {', '.join(row['templates'])}")
    click.echo(f"{count(len(rows), 'solution')} in {solutions_dir}", err=True)


def _yaml_value(value) -> str:
    from cfn_catalog.references import Ref

    if isinstance(value, Ref):
        return (
            str(value)
            if value.kind != "Output" or not isinstance(value.region, Ref)
            else (f"!Output {{Step: {value.name}, Region: {value.region}, Output: {value.output}}}")
        )
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    from cfn_catalog.params import as_string

    return json.dumps(as_string(value)) if value == "" or value is None else as_string(value)


@solution.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@_solutions_dir
def show(name, as_json, solutions_dir, params_dir) -> None:
    """Show a solution as written: its values and steps, with their references.

    Example:

    \b
        cfn-catalog solution show multi-region-serverless
    """
    from pathlib import Path

    from cfn_catalog import solutions

    found = solutions.load(name, Path(solutions_dir))
    steps = {
        step.name: {
            "template": step.template,
            "env": step.env,
            "regions": [_yaml_value(r) for r in step.regions],
            "stack_name": step.stack_name,
            "parameters": {k: _yaml_value(v) for k, v in step.parameters.items()},
            "depends_on": step.depends_on,
        }
        for step in found.steps.values()
    }
    data = {
        "name": found.name,
        "description": found.description,
        "values": {k: _yaml_value(v) for k, v in found.values.items()},
        "envs": {e: {k: _yaml_value(v) for k, v in o.items()} for e, o in found.envs.items()},
        "steps": steps,
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"{found.name}: {found.description}")
    if data["values"]:
        click.echo("\nValues:")
        for key, value in data["values"].items():
            click.echo(f"  {key} = {value}")
    for env, overrides in data["envs"].items():
        click.echo(f"  (env {env}: " + ", ".join(f"{k} = {v}" for k, v in overrides.items()) + ")")
    click.echo("\nSteps:")
    for step_name, step in steps.items():
        where = ", ".join(step["regions"]) or "the profile's Regions"
        click.echo(f"  {step_name}: {step['template']} in {where}")
        if step["env"]:
            click.echo(f"    env: {step['env']}")
        if step["stack_name"]:
            click.echo(f"    stack name: {step['stack_name']}")
        for key, value in step["parameters"].items():
            click.echo(f"    {key}: {value}")
        if step["depends_on"]:
            click.echo(f"    after: {', '.join(step['depends_on'])}")


def plan_data(plan) -> dict:
    waves = []
    for wave in plan.waves:
        stacks = []
        for key in wave:
            node = plan.nodes[key]
            stacks.append(
                {
                    "step": node.step,
                    "template": node.template,
                    "region": node.region,
                    "stack_name": node.stack_name,
                    "env": node.env,
                    "needs": [plan.nodes[k].label for k in sorted(node.needs)],
                    "stack_set": (
                        {"targets": node.stack_set.targets_text(), "regions": list(node.stack_set.regions)}
                        if node.stack_set
                        else None
                    ),
                    "parameters": {
                        k: {"source": s.kind, "value": s.text, "where": s.where} for k, s in node.sources.items()
                    },
                }
            )
        waves.append(stacks)
    return {"solution": plan.solution.name, "env": plan.env, "stacks": len(plan.nodes), "waves": waves}


@solution.command()
@click.argument("name")
@_env
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@click.option("--changes", is_flag=True, help="Also create, show and delete a change set per stack (calls AWS).")
@click.option("--bucket", help="Template bucket for steps with nested stacks or published assets (with --changes).")
@click.option("--prefix", default=DEFAULT_PREFIX, show_default=True, help="Key prefix for --bucket.")
@_solutions_dir
@dir_option
@aws_profile
def plan(name, env, as_json, changes, bucket, prefix, solutions_dir, params_dir, directory) -> None:
    """Show the stacks of a solution in waves, and where every parameter value comes from.

    Offline: proves every step, template, output and region exists, values
    fit their parameters, there is no cycle, a global template is deployed
    once. Stacks of one wave need only earlier waves and deploy together.
    With --changes, a change set is created for each stack that exists or can
    be created now, shown, and deleted without executing it (a pull request's
    review); stacks that wait for outputs not deployed yet are listed.

    Example:

    \b
        cfn-catalog solution plan multi-region-serverless --env example
        cfn-catalog solution plan fargate-task-networking --env prod --changes
    """
    found = _plan(name, env, solutions_dir, params_dir)
    data = plan_data(found)
    if as_json and not changes:
        click.echo(json.dumps(data, indent=2))
        return
    if not as_json:
        _print_plan(data)
    if not changes:
        return
    from pathlib import Path

    from cfn_catalog.aws import solution as runner

    terminal = Terminal(quiet=as_json, show_changes=not as_json, err=True)
    try:
        results = runner.review(
            found,
            reporter=terminal,
            params_dir=Path(params_dir),
            directory=Path(directory),
            bucket=bucket,
            prefix=prefix,
        )
    finally:
        terminal.close()
    if as_json:
        data["changes"] = [_result_data(r) for r in results]
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo("\nChange sets (deleted, nothing executed):")
        for result in results:
            click.echo(f"  {result.label}: {result.outcome}: {result.message}")
    if not all(r.ok for r in results):
        sys.exit(1)


def _print_plan(data: dict) -> None:
    waves = count(len(data["waves"]), "wave")
    click.echo(f"{data['solution']} (env {data['env']}): {count(data['stacks'], 'stack')} in {waves}")
    for number, wave in enumerate(data["waves"], start=1):
        click.echo(f"\nwave {number}")
        for stack in wave:
            needs = f"  (after {', '.join(stack['needs'])})" if stack["needs"] else ""
            if stack["stack_set"]:
                where = f"{stack['stack_set']['targets']} in {', '.join(stack['stack_set']['regions'])}"
                target = f"stack set {stack['stack_name']} ({where})"
                click.echo(f"  {stack['step']}@stack-set: {stack['template']} -> {target}{needs}")
            else:
                target = f"stack {stack['stack_name']}"
                click.echo(f"  {stack['step']}@{stack['region']}: {stack['template']} -> {target}{needs}")
            for key, source in stack["parameters"].items():
                arrow = "<-" if source["source"] in ("output", "env", "ssm", "no-echo") else "="
                click.echo(f"    {key} {arrow} {source['value']}")


def _result_data(result) -> dict:
    return {
        "step": result.step,
        "region": result.region,
        "stack_name": result.stack_name,
        "outcome": result.outcome,
        "status": result.status,
        "message": result.message,
        "reasons": result.reasons,
        "seconds": round(result.seconds, 3),
        "changes": [c.line() for c in result.changes],
    }


@solution.command()
@click.argument("name")
@_env
@click.option("-y", "--yes", is_flag=True, help="Execute every change set without asking.")
@click.option("--max-parallel", default=4, show_default=True, type=click.IntRange(1, 32), help="Stacks at once.")
@click.option("--bucket", help="Template bucket for steps with nested stacks or published assets.")
@click.option("--prefix", default=DEFAULT_PREFIX, show_default=True, help="Key prefix for --bucket.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_solutions_dir
@dir_option
@verbosity
@aws_profile
def deploy(name, env, yes, max_parallel, bucket, prefix, fmt, solutions_dir, params_dir, directory, quiet, verbose):
    """Deploy every stack of a solution, wave by wave, outputs wired into the stacks that use them.

    Each stack starts as soon as the stacks it needs are deployed (up to
    --max-parallel at once, across regions), through the same change sets as
    'cfn-catalog deploy'. A failure skips the stacks that need it and nothing
    else. Running it again resumes: stacks that already run the same template,
    parameters and tags are reported up to date. Exit 0 when every stack is
    deployed or up to date.

    Example:

    \b
        cfn-catalog solution deploy ebs-snapshot-management --env example --yes
        cfn-catalog solution deploy multi-region-serverless --env prod --max-parallel 8
    """
    from pathlib import Path

    from cfn_catalog.aws import solution as runner

    found = _plan(name, env, solutions_dir, params_dir)
    terminal = Terminal(quiet=quiet, show_changes=not quiet or not yes, err=True)
    try:
        results = runner.deploy(
            found,
            yes=yes,
            confirm=confirm,
            max_parallel=max_parallel,
            reporter=terminal,
            params_dir=Path(params_dir),
            directory=Path(directory),
            bucket=bucket,
            prefix=prefix,
        )
    finally:
        terminal.close()
    _summary(results, fmt=fmt, verbose=verbose, what="deployed")


def _summary(results, *, fmt: str, verbose: bool, what: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([_result_data(r) for r in results], indent=2, default=str))
    else:
        for result in results:
            timing = f" [{result.seconds:.1f}s]" if verbose else ""
            label = "" if result.ok or result.outcome in ("declined", "skipped") else "FAILED: "
            click.echo(f"{result.label}: {label}{result.outcome}: {result.message}{timing}")
            for reason in result.reasons:
                click.echo(f"  {reason}")
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    click.echo(", ".join(f"{n} {outcome}" for outcome, n in counts.items()) or "no stacks", err=True)
    if not all(r.ok for r in results):
        failed = sum(1 for r in results if not r.ok)
        click.echo(f"{failed} of {count(len(results), 'stack')} not {what}", err=True)
        sys.exit(1)


@solution.command()
@click.argument("name")
@_env
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@_solutions_dir
@aws_profile
def status(name, env, as_json, solutions_dir, params_dir) -> None:
    """Show every stack of a solution: status, reason and outputs, per region.

    Exit 0 when every stack is deployed and settled; 1 when one is missing,
    in progress or failed.

    Example:

    \b
        cfn-catalog solution status ebs-snapshot-management --env example
    """
    from cfn_catalog.aws import solution as runner

    found = _plan(name, env, solutions_dir, params_dir)
    rows = runner.status(found)
    if as_json:
        click.echo(json.dumps([_status_data(node, info) for node, info in rows], indent=2))
    else:
        for node, info in rows:
            if node.stack_set is not None:
                state = info.status or "not deployed"
                click.echo(f"{node.label}: stack set {info.name}: {state}, {count(len(info.instances), 'instance')}")
                for item in info.instances:
                    reason = f": {item['reason']}" if item["reason"] else ""
                    click.echo(f"  {item['account']}/{item['region']}: {item['status']}{reason}")
                continue
            if info.status is None:
                click.echo(f"{node.label}: {info.stack_name}: not deployed")
                continue
            reason = f": {info.reason}" if info.reason else ""
            click.echo(f"{node.label}: {info.stack_name}: {info.status}{reason}")
            for key, value in info.outputs.items():
                click.echo(f"  {key} = {value}")
    if not all(info.healthy for _, info in rows):
        sys.exit(1)


def _status_data(node, info) -> dict:
    if node.stack_set is not None:
        return {
            "step": node.step,
            "template": node.template,
            "stack_set": info.name,
            "status": info.status,
            "regions": list(node.stack_set.regions),
            "instances": info.instances,
        }
    return {
        "step": node.step,
        "template": node.template,
        "region": info.region,
        "stack_name": info.stack_name,
        "status": info.status,
        "reason": info.reason,
        "updated": info.updated.isoformat() if info.updated else None,
        "outputs": info.outputs,
    }


@solution.command()
@click.argument("name")
@_env
@click.option("-y", "--yes", is_flag=True, help="Delete without asking.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress; only results and errors.")
@_solutions_dir
@aws_profile
def delete(name, env, yes, fmt, quiet, solutions_dir, params_dir) -> None:
    """Delete every stack of a solution, in reverse dependency order, after one confirmation.

    Resources with DeletionPolicy Retain (buckets, snapshots, keys) are named
    and stay behind. Stacks that do not exist are reported and skipped.

    Example:

    \b
        cfn-catalog solution delete ebs-snapshot-management --env example
    """
    from cfn_catalog.aws import solution as runner

    found = _plan(name, env, solutions_dir, params_dir)
    terminal = Terminal(quiet=quiet, show_changes=True, err=True)
    try:
        results = runner.delete(found, yes=yes, confirm=confirm, reporter=terminal)
    finally:
        terminal.close()
    _summary(results, fmt=fmt, verbose=False, what="deleted")
