"""The commands that talk to AWS: publish, deploy, status, delete.

`register(main)` adds them to the CLI group. Only click is imported here at
start-up; boto3 and the catalog load inside the commands. boto3 reads the
usual settings itself (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL for a local
moto server, AWS_MAX_ATTEMPTS, ...).
"""

from __future__ import annotations

import sys

import click

from cfn_catalog.cli.options import (
    RENDERED,
    Terminal,
    aws_profile,
    check_selection,
    confirm,
    dir_option,
    names_argument,
    progress,
    verbosity,
)
from cfn_catalog.errors import UsageError
from cfn_catalog.wording import count

DEFAULT_PREFIX = "cfn-catalog/"  # publish.DEFAULT_PREFIX, repeated to keep boto3 out of start-up


def register(group: click.Group) -> None:
    for command in (publish, deploy, status, delete):
        group.add_command(command)


def _secret_prompt(name: str, spec: dict) -> str:
    about = spec.get("Description")
    return click.prompt(f"{name} (NoEcho{': ' + about if about else ''})", hide_input=True, err=True)


# ---------------------------------------------------------------- publish


@click.command()
@names_argument(all_help=RENDERED)
@click.option("--bucket", required=True, help="Bucket to upload to (it must exist); {region} for a bucket per region.")
@click.option("--prefix", default=DEFAULT_PREFIX, show_default=True, help="Key prefix; a '/' is added.")
@click.option("--version", "version", help="Version folder under the prefix (default: the cfn-catalog version).")
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="With {region} in --bucket: each region to publish to (repeatable). Else the first S3 call's region.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan (key, bytes, new/unchanged/changed); write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@aws_profile
@dir_option
@verbosity
def publish(names, all_, bucket, prefix, version, regions, dry_run, fmt, directory, quiet, verbose) -> None:
    """Upload rendered templates, their nested children and assets to S3.

    Layout: PREFIX<version>/<name>.yaml (never overwritten with other bytes),
    PREFIX<version>/assets/<path> for files under cfn_catalog/functions/ a
    template lists in Metadata (cfn-catalog: Assets: [...]), and the same
    objects under PREFIXlatest/. Objects whose SHA-256 (kept in their
    metadata) matches are skipped, so a rerun uploads nothing and an
    interrupted run is finished by running it again. Children are uploaded
    before parents and versioned keys before latest/. Prints each root
    template's https URL and Launch Stack link (with -q: only the URLs).

    A bucket name with {region} (templates-{region}) is one bucket per
    region, each published to: services that read assets at run time (Glue,
    Managed Flink) need them in a bucket of the stack's region.

    Example:

    \b
        cfn-catalog publish --all --bucket my-templates
        cfn-catalog publish --all --bucket my-templates-{region} --region us-east-1 --region eu-west-1
        cfn-catalog publish route53-failover --bucket my-templates --dry-run --format json
    """
    import json

    from cfn_catalog import inputs, links
    from cfn_catalog.aws import publish as publisher

    check_selection(names, all_)
    inputs.check_bucket(bucket)
    regions = [links.check_region(r) for r in dict.fromkeys(regions)]
    if inputs.has_region_placeholder(bucket):
        if not regions:
            raise UsageError(f"--bucket {bucket} has one bucket per region: name them with --region (repeatable)")
        targets = [(inputs.bucket_in(bucket, r), r) for r in regions]
    else:
        if len(regions) > 1:
            raise UsageError(
                "one bucket takes one --region (for the first S3 call); use {region} in --bucket for several"
            )
        targets = [(bucket, regions[0] if regions else None)]
    reports = []
    for target_bucket, region in targets:
        result = _publish_one(names, all_, target_bucket, region, prefix, version, dry_run, directory, quiet, verbose)
        reports.append(result)
        _publish_summary(result, dry_run=dry_run, quiet=quiet, fmt=fmt)
        if dry_run and result.conflicts:
            raise publisher.conflict_error(result)
    if fmt == "json":
        click.echo(json.dumps([_publish_data(r, dry_run) for r in reports], indent=2))


def _publish_one(names, all_, bucket, region, prefix, version, dry_run, directory, quiet, verbose):
    """Publish to one bucket, with a progress bar on a terminal and a line per upload on stderr."""
    import contextlib
    from pathlib import Path

    from cfn_catalog.aws import publish as publisher

    with contextlib.ExitStack() as stack:
        bar = None

        def checked(result) -> None:
            nonlocal bar
            if not dry_run:
                bar = stack.enter_context(progress(len(result.pending), "Uploading", quiet=quiet))

        def uploaded(upload) -> None:
            bar.update(1)
            if not quiet:
                timing = f" ({upload.size:,} bytes, {upload.seconds:.2f}s)" if verbose else ""
                click.echo(f"uploaded s3://{bucket}/{upload.key}{timing}", err=True)

        return publisher.publish(
            names,
            all_=all_,
            bucket=bucket,
            prefix=prefix,
            version=version,
            region=region,
            dry_run=dry_run,
            directory=Path(directory),
            on_checked=checked,
            on_upload=uploaded,
        )


def _publish_data(result, dry_run: bool) -> dict:
    return {
        "bucket": result.bucket,
        "region": result.region,
        "prefix": result.prefix,
        "version": result.version,
        "dry_run": dry_run,
        "objects": [{"key": u.key, "bytes": u.size, "status": u.status} for u in result.uploads],
        "roots": [
            {"name": r.name, "template_url": r.template_url, "latest_url": r.latest_url, "launch_url": r.launch_url}
            for r in result.roots
        ],
    }


def _publish_summary(result, *, dry_run: bool, quiet: bool, fmt: str) -> None:
    where = f"s3://{result.bucket}/{result.prefix}"
    text = fmt == "text"
    if dry_run:
        if text:
            for upload in result.uploads:
                click.echo(f"{upload.status:<9} {upload.size:>9,}  s3://{result.bucket}/{upload.key}")
        counts = {s: sum(u.status == s for u in result.uploads) for s in ("new", "changed", "unchanged", "conflict")}
        conflicts = f", {counts['conflict']} conflicting" if counts["conflict"] else ""
        click.echo(
            f"dry run: {counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged{conflicts} "
            f"in {where} (version {result.version}); nothing written",
            err=True,
        )
        return
    uploads = result.pending
    unchanged = len(result.uploads) - len(uploads)
    if not quiet:
        if uploads:
            click.echo(
                f"{len(uploads)} uploaded, {unchanged} unchanged in {where} (version {result.version})", err=True
            )
        else:
            click.echo(f"nothing to upload: {count(unchanged, 'object')} already current in {where}", err=True)
    if not text:
        return
    for root in result.roots:
        if quiet:
            click.echo(root.template_url)
            continue
        click.echo(f"{root.name}\n  template: {root.template_url}\n  latest:   {root.latest_url}")
        click.echo(f"  launch:   {root.launch_url}")


# ---------------------------------------------------------------- deploy


def _result_data(result) -> dict:
    return {
        "region": result.region,
        "stack_name": result.stack_name,
        "outcome": result.outcome,
        "status": result.status,
        "message": result.message,
        "reasons": result.reasons,
        "changes": [c.line() for c in result.changes],
        "outputs": result.outputs,
        "seconds": round(result.seconds, 3),
    }


def _report(result, *, verbose: bool) -> None:
    timing = f" [{result.seconds:.1f}s]" if verbose else ""
    label = "" if result.ok or result.outcome == "declined" else "FAILED: "
    click.echo(f"{result.region}: {label}{result.message}{timing}")
    for reason in result.reasons:
        click.echo(f"  {reason}")
    for key, value in result.outputs.items():
        click.echo(f"  {key} = {value}")


@click.command()
@click.argument("name")
@click.option("--env", required=True, help="Profile to deploy: params/NAME/ENV.yaml.")
@click.option("--region", "regions", multiple=True, help="Region (repeatable; default: the profile's Regions).")
@click.option("--stack-name", help="Stack name (default: the profile's StackName, else NAME-ENV).")
@click.option("-y", "--yes", is_flag=True, help="Execute change sets without asking.")
@click.option("--parallel", is_flag=True, help="Deploy to the regions concurrently.")
@click.option("--bucket", help="Bucket to publish to when the template has nested stacks or is over 51,200 bytes.")
@click.option("--prefix", default=DEFAULT_PREFIX, show_default=True, help="Key prefix for --bucket.")
@click.option("--params-dir", default="params", show_default=True, type=click.Path(file_okay=False))
@dir_option
@verbosity
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@aws_profile
def deploy(name, env, regions, stack_name, yes, parallel, bucket, prefix, params_dir, directory, fmt, quiet, verbose):
    """Deploy a template with a CloudFormation change set, to one region or several (or a stack set).

    Validates params/NAME/ENV.yaml against the template, publishes the
    template first when it has nested stacks (or is too large for
    TemplateBody), then per region: creates a change set (CREATE or UPDATE,
    with the capabilities the tree needs and the profile's Tags), shows its
    changes, executes it on --yes or confirmation and streams the stack events
    until the stack settles. A change set with no changes is deleted. Values
    of NoEcho parameters come from CFN_CATALOG_PARAM_<Name> (or a prompt on a
    terminal). Exit 0 only when every region ends CREATE_COMPLETE,
    UPDATE_COMPLETE or unchanged; a failing region does not stop the others.

    A profile with a StackSet section deploys through CloudFormation StackSets
    instead: the stack set is created or updated and its instances made to
    match the profile's accounts or OUs and regions (instances it no longer
    lists are removed on --yes or confirmation); exit 1 when an operation
    failed beyond its failure tolerance.

    Example:

    \b
        cfn-catalog deploy sam-artifacts-bucket --env example --region us-east-1 --region us-west-2 --yes
        cfn-catalog deploy cjis-config --env org --yes
        cfn-catalog deploy route53-failover --env prod
        cfn-catalog deploy modern-dw --env prod --bucket my-templates --parallel
    """
    from pathlib import Path

    from cfn_catalog.aws import deploy as deployer

    profile = _stack_set_profile(name, env, params_dir)
    if profile is not None:
        if regions or parallel:
            raise UsageError(
                f"{profile.path} deploys a stack set to the regions of its StackSet section: drop --region/--parallel"
            )
        _deploy_stack_set(name, env, profile, stack_name, yes, bucket, prefix, params_dir, directory, quiet)
        return
    terminal = Terminal(quiet=quiet, show_changes=not quiet or not yes, err=True)
    try:
        results = deployer.deploy(
            name,
            env,
            regions,
            stack_name=stack_name,
            yes=yes,
            confirm=confirm,
            prompt=_secret_prompt if sys.stdin.isatty() else None,
            parallel=parallel,
            params_dir=Path(params_dir),
            directory=Path(directory),
            bucket=bucket,
            prefix=prefix,
            reporter=terminal,
        )
    finally:
        terminal.close()
    if fmt == "json":
        import json

        click.echo(json.dumps([_result_data(r) for r in results], indent=2))
    else:
        for result in results:
            _report(result, verbose=verbose)
    failed = [r for r in results if not r.ok]
    if failed:
        click.echo(f"{len(failed)} of {count(len(results), 'region')} not deployed", err=True)
        sys.exit(1)


def _stack_set_profile(name: str, env: str, params_dir: str):
    """The profile when it has a StackSet section, else None (errors in it surface here, once)."""
    from pathlib import Path

    from cfn_catalog import catalog, params

    (name,) = catalog.check_names([name])
    if not params.exists(name, env, Path(params_dir)):
        return None
    profile = params.load(name, env, Path(params_dir))
    return profile if profile.stack_set is not None else None


def _deploy_stack_set(name, env, profile, stack_name, yes, bucket, prefix, params_dir, directory, quiet) -> None:
    from pathlib import Path

    from cfn_catalog.aws import stackset

    terminal = Terminal(quiet=quiet, show_changes=True, err=True)
    try:
        result = stackset.deploy(
            name,
            env,
            yes=yes,
            confirm=confirm,
            params_dir=Path(params_dir),
            directory=Path(directory),
            bucket=bucket,
            prefix=prefix,
            reporter=terminal,
            set_name=stack_name,
        )
    finally:
        terminal.close()
    click.echo(result.message if result.ok else f"FAILED: {result.message}")
    for operation in result.operations:
        for instance in operation.failed:
            click.echo(f"  {instance.account}/{instance.region}: {instance.status}: {instance.reason}")
    if not result.ok:
        sys.exit(1)


# ---------------------------------------------------------------- status, delete


@click.command()
@click.argument("name")
@click.option("--env", required=True, help="Profile: params/NAME/ENV.yaml (gives StackName and Regions).")
@click.option("--region", "regions", multiple=True, help="Region (repeatable; default: the profile's Regions).")
@click.option("--stack-name", help="Stack name (default: the profile's StackName, else NAME-ENV).")
@click.option("--params-dir", default="params", show_default=True, type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--detect-drift", is_flag=True, help="StackSet profiles: detect drift of every instance first, and wait.")
@aws_profile
def status(name, env, regions, stack_name, params_dir, fmt, as_json, detect_drift) -> None:
    """Show the stack's status and outputs in each region (or a stack set and its instances).

    Exit 0 when every stack is CREATE_COMPLETE, UPDATE_COMPLETE or
    IMPORT_COMPLETE; 1 when one is missing, in progress or failed. For a
    StackSet profile: the stack set, its last operations and every instance
    with status, drift status and reason; exit 0 when every instance is
    CURRENT.

    Example:

    \b
        cfn-catalog status route53-failover --env example
        cfn-catalog status sam-artifacts-bucket --env example --region us-west-2 --json
        cfn-catalog status cjis-config --env org --detect-drift
    """
    import json
    from pathlib import Path

    from cfn_catalog.aws import deploy as deployer

    as_json = as_json or fmt == "json"
    if _stack_set_profile(name, env, params_dir) is not None:
        if regions or stack_name:
            raise UsageError("a StackSet profile names its own stack set and regions: drop --region/--stack-name")
        _stack_set_status(name, env, params_dir, as_json, detect_drift)
        return
    if detect_drift:
        raise UsageError(f"--detect-drift is for StackSet profiles; params/{name}/{env}.yaml deploys stacks")

    infos = deployer.status(name, env, regions, stack_name=stack_name, params_dir=Path(params_dir))
    if as_json:
        rows = [
            {
                "region": i.region,
                "stack_name": i.stack_name,
                "status": i.status,
                "reason": i.reason,
                "updated": i.updated.isoformat() if i.updated else None,
                "outputs": i.outputs,
            }
            for i in infos
        ]
        click.echo(json.dumps(rows, indent=2))
    else:
        for info in infos:
            if info.status is None:
                click.echo(f"{info.region}: {info.stack_name}: no such stack")
                continue
            when = f" (since {info.updated:%Y-%m-%d %H:%M:%S %Z})" if info.updated else ""
            reason = f": {info.reason}" if info.reason else ""
            click.echo(f"{info.region}: {info.stack_name}: {info.status}{reason}{when}")
            for key, value in info.outputs.items():
                click.echo(f"  {key} = {value}")
    if not all(i.healthy for i in infos):
        sys.exit(1)


def _stack_set_status(name, env, params_dir, as_json, detect_drift) -> None:
    import json
    from pathlib import Path

    from cfn_catalog.aws import stackset

    terminal = Terminal(quiet=as_json, show_changes=False, err=True)
    try:
        found = stackset.status(name, env, params_dir=Path(params_dir), detect_drift=detect_drift, reporter=terminal)
    finally:
        terminal.close()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "stack_set": found.name,
                    "status": found.status,
                    "drift": found.drift,
                    "operations": found.operations,
                    "instances": found.instances,
                },
                indent=2,
            )
        )
    elif found.status is None:
        click.echo(f"stack set {found.name}: no such stack set")
    else:
        drift = f", drift {found.drift}" if found.drift else ""
        click.echo(f"stack set {found.name}: {found.status}{drift}, {count(len(found.instances), 'instance')}")
        for operation in found.operations:
            click.echo(f"  operation {operation['action']} {operation['status']} ({operation['started']})")
        for item in found.instances:
            where = f"{item['account']}/{item['region']}" + (f" ({item['ou']})" if item["ou"] else "")
            detail = f" {item['detailed']}" if item["detailed"] else ""
            drift = f", drift {item['drift']}" if item["drift"] else ""
            reason = f": {item['reason']}" if item["reason"] else ""
            click.echo(f"  {where}: {item['status']}{detail}{drift}{reason}")
    if not found.healthy:
        sys.exit(1)


@click.command()
@click.argument("name")
@click.option("--env", required=True, help="Profile: params/NAME/ENV.yaml (gives StackName).")
@click.option("--region", help="Region of the stack to delete (not for StackSet profiles).")
@click.option("--stack-name", help="Stack name (default: the profile's StackName, else NAME-ENV).")
@click.option("-y", "--yes", is_flag=True, help="Delete without asking.")
@click.option("--retain-stacks", is_flag=True, help="StackSet profiles: keep the instances' stacks, detached.")
@click.option("--params-dir", default="params", show_default=True, type=click.Path(file_okay=False))
@click.option("-q", "--quiet", is_flag=True, help="No progress; only the result and errors.")
@aws_profile
def delete(name, env, region, stack_name, yes, retain_stacks, params_dir, quiet) -> None:
    """Delete the stack of a template in one region, after confirmation, and wait.

    Resources with DeletionPolicy Retain (buckets, snapshots) are listed first
    and stay behind. For a StackSet profile: every instance is deleted (or,
    with --retain-stacks, detached and kept), then the stack set.

    Example:

    \b
        cfn-catalog delete sam-artifacts-bucket --env example --region us-west-2
        cfn-catalog delete sam-artifacts-bucket --env stackset --yes
    """
    from pathlib import Path

    from cfn_catalog.aws import deploy as deployer

    if _stack_set_profile(name, env, params_dir) is not None:
        if region or stack_name:
            raise UsageError("a StackSet profile names its own stack set and regions: drop --region/--stack-name")
        from cfn_catalog.aws import stackset

        terminal = Terminal(quiet=quiet, show_changes=True, err=True)
        try:
            result = stackset.delete(
                name,
                env,
                yes=yes,
                retain_stacks=retain_stacks,
                confirm=confirm,
                params_dir=Path(params_dir),
                reporter=terminal,
            )
        finally:
            terminal.close()
        click.echo(result.message if result.ok or result.outcome == "declined" else f"FAILED: {result.message}")
        if not result.ok:
            sys.exit(1)
        return
    if retain_stacks:
        raise UsageError("--retain-stacks is for StackSet profiles")
    if not region:
        raise UsageError("give the --region of the stack to delete")

    terminal = Terminal(quiet=quiet, show_changes=True, err=True)
    try:
        result = deployer.delete(
            name,
            env,
            region,
            stack_name=stack_name,
            yes=yes,
            confirm=confirm,
            params_dir=Path(params_dir),
            reporter=terminal,
        )
    finally:
        terminal.close()
    _report(result, verbose=False)
    if not result.ok:
        sys.exit(1)
