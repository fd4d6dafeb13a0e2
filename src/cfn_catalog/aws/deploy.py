"""Deploy a catalog template with CloudFormation change sets, to one region or several.

One deployment = one template + one parameter profile (`params/<name>/<env>.yaml`)
-> one stack per region. The rendered file in templates_out/ is what ships
(and must match the code); a tree with nested stacks, or a template over the
51,200-byte TemplateBody limit, is published to S3 first (publish.py).

Per region: create a change set (CREATE for a new stack or one left in
REVIEW_IN_PROGRESS, else UPDATE), wait for it, show its changes, execute it
when approved, stream the stack's events until a terminal state, and report.
A change set without changes is deleted and reported as up to date. Regions
run in order or, with `parallel`, concurrently (change sets are created and
executed in threads, one boto3 session per thread; approvals are asked in
order on the calling thread). One region's failure never hides another's
result.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cfn_catalog import __version__, aws, inputs, links, outputs
from cfn_catalog.aws.publish import DEFAULT_PREFIX
from cfn_catalog.errors import CatalogError, UsageError
from cfn_catalog.params import PARAMS_DIR

TEMPLATE_BODY_LIMIT = 51_200
PARAM_ENV_PREFIX = "CFN_CATALOG_PARAM_"
SUCCESS = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})
HEALTHY = SUCCESS | {"IMPORT_COMPLETE"}
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
CANCELLED = ("Resource creation cancelled", "Resource update cancelled", "Resource deletion cancelled")
LOCATION = ("TemplateBucketName", "TemplateKeyPrefix", "TemplateBucketRegion")
CHANGE_SET_DONE = frozenset({"CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE", "DELETE_FAILED"})
DEFAULT_POLL = 5.0
DEFAULT_TIMEOUT = 6 * 3600.0
MAX_REASONS = 3


class DeployError(CatalogError):
    """A region's deployment cannot go on."""


# ---------------------------------------------------------------- data


@dataclass
class Change:
    action: str  # Add, Modify, Remove, Import, Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # True, False, Conditional ('' when not a Modify)
    path: tuple[str, ...] = ()  # logical ids of the nested stacks it sits in

    def line(self) -> str:
        where = "/".join((*self.path, self.logical_id))
        note = {"True": "  (REPLACES the resource)", "Conditional": "  (may replace the resource)"}.get(
            self.replacement, ""
        )
        return f"{self.action:<8} {where:<40} {self.resource_type}{note}"


@dataclass
class Target:
    """What is deployed, the same in every region."""

    name: str
    env: str
    stack_name: str
    regions: list[str]
    parameters: dict[str, str]
    capabilities: list[str]
    tags: dict[str, str]
    nested: bool
    template_body: str | None = None
    template_url: str | None = None
    regional: dict[str, dict[str, str]] = field(default_factory=dict)  # region -> values that differ per region
    template_urls: dict[str, str] = field(default_factory=dict)  # region -> URL, with a bucket per region
    no_echo: frozenset[str] = frozenset()  # parameters whose values the stack does not show back

    def values(self, region: str | None = None) -> dict[str, str]:
        return {**self.parameters, **self.regional.get(region or "", {})}

    def change_set_arguments(self, region: str | None = None) -> dict[str, Any]:
        args: dict[str, Any] = {
            "StackName": self.stack_name,
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in self.values(region).items()],
            "Capabilities": self.capabilities,
            "Tags": [{"Key": k, "Value": v} for k, v in self.tags.items()],
            "Description": f"cfn-catalog {__version__}: {self.name} --env {self.env}",
        }
        if self.template_url:
            args["TemplateURL"] = self.template_urls.get(region or "", self.template_url)
        else:
            args["TemplateBody"] = self.template_body
        if self.nested:
            args["IncludeNestedStacks"] = True
        return args


@dataclass
class RegionResult:
    region: str
    stack_name: str
    outcome: str  # created, updated, unchanged, deleted, declined, failed
    status: str | None = None  # the stack's status at the end
    message: str = ""
    changes: list[Change] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # first failing events' reasons
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome in ("created", "updated", "unchanged", "deleted", "absent")


@dataclass
class StackInfo:
    region: str
    stack_name: str
    status: str | None  # None: no such stack
    reason: str = ""
    updated: datetime | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    stack_id: str = ""

    @property
    def healthy(self) -> bool:
        return self.status in HEALTHY


class Reporter:
    """Where deployments say what they do; the CLI draws it on a terminal.

    `kind` is "info", "change" (a line of a change set) or "event" (a stack
    event). Methods may be called from several threads at once.
    """

    def line(self, region: str, text: str, kind: str = "info") -> None:
        pass

    def progress(self, region: str, done: int, total: int) -> None:
        pass


class Log(Reporter):
    """Collects the lines (for tests and library use)."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def line(self, region: str, text: str, kind: str = "info") -> None:
        with self._lock:
            self.lines.append((region, kind, text))

    def text(self, region: str | None = None, kind: str | None = None) -> str:
        return "\n".join(t for r, k, t in self.lines if (region is None or r == region) and (kind is None or k == kind))


# ---------------------------------------------------------------- what to deploy (once, before any region)


def load_profile(name: str, env: str, params_dir: Path, *, required: bool = True):
    """The profile, or None when it does not exist and is not `required`."""
    from cfn_catalog import params

    if not required and params.ENV_NAME.match(env) and not params.profile_path(name, env, params_dir).exists():
        return None
    return params.load(name, env, params_dir)


def resolve_stack_name(name: str, env: str, stack_name: str | None, profile) -> str:
    return inputs.default_stack_name(name, env, stack_name or (profile.stack_name if profile else None))


def resolve_regions(given: Iterable[str], profile, environ: Mapping[str, str] | None = None) -> list[str]:
    """--region values, else the profile's Regions, else AWS_REGION/AWS_DEFAULT_REGION (or the AWS config)."""
    environ = os.environ if environ is None else environ
    regions = list(given) or list(profile.regions if profile else [])
    if not regions:
        default = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or aws.default_region()
        regions = [default] if default else []
    if not regions:
        where = f"add Regions: to {profile.path}, " if profile else ""
        raise UsageError(f"no region: pass --region, {where}or set AWS_DEFAULT_REGION")
    return [links.check_region(r) for r in dict.fromkeys(regions)]


def check_rendered(names: Iterable[str], directory: Path) -> None:
    """Deploy ships the rendered files: each must exist and match what the code renders."""
    from cfn_catalog import catalog

    for node in names:
        path = directory / outputs.filename(node, "yaml")
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            raise CatalogError(f"{path} not found: run 'cfn-catalog render {node}' first") from None
        if text != catalog.rendered(node, "yaml"):
            raise CatalogError(f"{path} is out of date with the code: run 'cfn-catalog render {node}' first")


def no_echo_values(
    declared: Mapping[str, dict],
    given: Mapping[str, Any],
    *,
    prompt: Callable[[str, dict], str] | None,
    environ: Mapping[str, str],
) -> dict[str, str]:
    """Values of NoEcho parameters: CFN_CATALOG_PARAM_<Name>, else `prompt`, else the Default.

    A NoEcho parameter without a value and without a Default is an error naming
    the variable. Values are checked against the declaration but never shown.
    """
    from cfn_catalog import params

    result = {}
    for name, spec in declared.items():
        if not params.is_no_echo(spec) or name in given:
            continue
        variable = f"{PARAM_ENV_PREFIX}{name}"
        value = environ.get(variable)
        if value is None and "Default" in spec:
            continue
        if value is None and prompt is not None:
            value = prompt(name, spec)
        if value is None:
            raise UsageError(f"{name} is a NoEcho parameter without a default: set the environment variable {variable}")
        if params.check_value(name, value, spec):
            hint = spec.get("ConstraintDescription") or spec.get("AllowedPattern") or "its constraints"
            raise UsageError(f"{variable}: the value does not satisfy {name} ({hint}); value not shown")
        result[name] = value
    return result


def prepare(
    name: str,
    env: str,
    regions: Iterable[str] = (),
    *,
    stack_name: str | None = None,
    params_dir: Path = PARAMS_DIR,
    directory: Path = outputs.DEFAULT_OUT,
    bucket: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    version: str | None = None,
    prompt: Callable[[str, dict], str] | None = None,
    environ: Mapping[str, str] | None = None,
    reporter: Reporter | None = None,
    profile=None,
    resolve: Callable[..., str] | None = None,
) -> Target:
    """Check everything that does not depend on the region, publish if needed, and say what to deploy.

    `profile` replaces params/NAME/ENV.yaml (a solution hands over each step's);
    `resolve(ref, region)` looks up references (default: `references_resolver`).
    """
    from cfn_catalog import catalog, params
    from cfn_catalog.aws import publish

    environ = os.environ if environ is None else environ
    reporter = reporter or Reporter()
    directory = Path(directory)
    (name,) = catalog.check_names([name])
    standalone = profile is None
    if standalone:
        profile = params.load(name, env, Path(params_dir))
    regions = resolve_regions(regions, profile, environ)
    stack = resolve_stack_name(name, env, stack_name, profile)
    tree = catalog.tree(name)
    check_rendered(tree, directory)
    doc = catalog.template_dict(name)
    declared = doc.get("Parameters", {})
    body = (directory / outputs.filename(name, "yaml")).read_text(encoding="utf-8")
    nested = len(tree) > 1
    # A template that reads its published assets (or children) from the template bucket declares its location.
    located = any(k in declared for k in LOCATION)
    size = len(body.encode())
    to_s3 = nested or located or size > TEMPLATE_BODY_LIMIT
    if to_s3:
        bucket = bucket or profile.parameters.get("TemplateBucketName")
        if not bucket:
            why = (
                "has nested stacks"
                if nested
                else "reads assets published beside it"
                if located
                else f"is {size:,} bytes, over the {TEMPLATE_BODY_LIMIT:,}-byte TemplateBody limit"
            )
            raise UsageError(f"{name} {why}: give --bucket to publish it to S3 first")
        publish.check_bucket(bucket)
        prefix = publish.normalize_prefix(prefix)
        version = publish.check_version(version or __version__)
        per_region = inputs.has_region_placeholder(bucket)
        if located:
            location: dict[str, Any] = {"TemplateKeyPrefix": f"{prefix}{version}/"}
            if per_region:  # each region's stack reads its own region's bucket (Glue and Flink need that)
                location["TemplateBucketName"] = {r: inputs.bucket_in(bucket, r) for r in regions}
                location["TemplateBucketRegion"] = {r: r for r in regions}
            else:
                location["TemplateBucketName"] = bucket
                if "TemplateBucketRegion" in declared:
                    location["TemplateBucketRegion"] = publish.bucket_region(aws.client("s3", "us-east-1"), bucket)
            profile.parameters.update({k: v for k, v in location.items() if k in declared})
    problems = params.validate(profile, doc, regions)
    if standalone:  # a solution's steps were checked by its plan
        problems += params.check_references(profile, Path(params_dir))
    if problems:
        more = (
            f" (and {len(problems) - 1} more: see 'cfn-catalog params {name} --env {env}')" if len(problems) > 1 else ""
        )
        raise params.ProfileError(problems[0] + more)
    if resolve is None:
        resolve = references_resolver(env, Path(params_dir), declared, environ)
    by_region = {region: params.values(profile, region, resolve) for region in regions}
    values = {k: v for k, v in by_region[regions[0]].items() if all(v == other.get(k) for other in by_region.values())}
    regional = {region: {k: v for k, v in found.items() if k not in values} for region, found in by_region.items()}
    values.update(no_echo_values(declared, profile.parameters, prompt=prompt, environ=environ))
    url = None
    urls: dict[str, str] = {}
    if to_s3:
        targets = [(inputs.bucket_in(bucket, r), r) for r in regions] if per_region else [(bucket, None)]
        for target_bucket, region in targets:
            result = publish.publish(
                [name], bucket=target_bucket, directory=directory, prefix=prefix, version=version, region=region
            )
            uploaded = len(result.pending)
            reporter.line("", f"published {name} to s3://{target_bucket}/{result.version_prefix}: {uploaded} uploaded")
            url = result.url(f"{result.version_prefix}{name}.yaml")
            if region:
                urls[region] = url
    return Target(
        name=name,
        env=env,
        stack_name=stack,
        regions=regions,
        parameters=values,
        capabilities=catalog.capabilities(name),
        tags=dict(profile.tags),
        nested=nested,
        template_body=None if url else body,
        template_url=url,
        template_urls=urls,
        regional={region: found for region, found in regional.items() if found},
        no_echo=frozenset(k for k, spec in declared.items() if params.is_no_echo(spec)),
    )


# ---------------------------------------------------------------- CloudFormation helpers


def find_stack(cf, stack: str) -> dict | None:
    """The stack's description, or None when there is no such (live) stack."""
    from botocore.exceptions import ClientError

    try:
        return cf.describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as exc:
        if aws.error_code(exc) == "ValidationError" and "does not exist" in aws.error_message(exc):
            return None
        raise


def stack_outputs(description: Mapping[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o.get("OutputValue", "") for o in description.get("Outputs") or []}


def events_since(cf, stack_id: str, marker: str | None) -> list[dict]:
    """Events newer than the event `marker`, oldest first (every event when marker is None)."""
    newer: list[dict] = []
    kwargs: dict[str, Any] = {"StackName": stack_id}
    while True:
        page = cf.describe_stack_events(**kwargs)
        for event in page.get("StackEvents", []):
            if event["EventId"] == marker:
                return newer[::-1]
            newer.append(event)
        if not page.get("NextToken"):
            return newer[::-1]
        kwargs["NextToken"] = page["NextToken"]


def newest_event_id(cf, stack_id: str) -> str | None:
    events = cf.describe_stack_events(StackName=stack_id).get("StackEvents", [])
    return events[0]["EventId"] if events else None


def format_event(event: Mapping[str, Any]) -> str:
    stamp = event.get("Timestamp")
    clock = stamp.strftime("%H:%M:%S") if isinstance(stamp, datetime) else ""
    reason = " ".join(str(event.get("ResourceStatusReason") or "").split())
    status, rtype = event.get("ResourceStatus", ""), event.get("ResourceType", "")
    text = f"{clock}  {status:<28} {rtype:<36} {event.get('LogicalResourceId', '')}"
    return f"{text}: {reason}" if reason else text


def failure_reasons(
    events: Iterable[Mapping[str, Any]],
    *,
    nested_events: Callable[[str], list[dict]] | None = None,
    limit: int = MAX_REASONS,
    _depth: int = 0,
) -> list[str]:
    """`Resource (Type): reason` of the first failed events, oldest first.

    Cancellations (consequences of another failure) are skipped; a failed
    nested stack is replaced by its own first failures when `nested_events`
    can fetch them.
    """
    reasons: list[str] = []
    for event in events:
        status = str(event.get("ResourceStatus", ""))
        reason = " ".join(str(event.get("ResourceStatusReason") or "").split())
        if not status.endswith("_FAILED") or not reason or reason.startswith(CANCELLED):
            continue
        logical_id = event.get("LogicalResourceId", "")
        physical = str(event.get("PhysicalResourceId") or "")
        if (
            nested_events
            and _depth < 3
            and event.get("ResourceType") == "AWS::CloudFormation::Stack"
            and physical.startswith("arn:")
            and physical != event.get("StackId")
        ):
            inner = failure_reasons(
                nested_events(physical), nested_events=nested_events, limit=limit, _depth=_depth + 1
            )
            if inner:
                reasons += [f"{logical_id}/{r}" for r in inner]
                continue
        reasons.append(f"{logical_id} ({event.get('ResourceType', '')}): {reason}")
    return list(dict.fromkeys(reasons))[:limit]


def change_list(cf, change_set_id: str, first_page: Mapping[str, Any], path: tuple[str, ...] = ()) -> list[Change]:
    """Every resource change of a change set, nested change sets included."""
    changes: list[Change] = []
    page = first_page
    while True:
        for change in page.get("Changes", []):
            rc = change.get("ResourceChange") or {}
            if change.get("Type", "Resource") != "Resource" or not rc:
                continue
            changes.append(
                Change(
                    action=rc.get("Action", ""),
                    logical_id=rc.get("LogicalResourceId", ""),
                    resource_type=rc.get("ResourceType", ""),
                    replacement=rc.get("Replacement", "") or "",
                    path=path,
                )
            )
            nested_id = rc.get("ChangeSetId")
            if nested_id and nested_id != change_set_id and len(path) < 5:
                nested = cf.describe_change_set(ChangeSetName=nested_id)
                changes += change_list(cf, nested_id, nested, (*path, rc.get("LogicalResourceId", "")))
        if not page.get("NextToken"):
            return changes
        page = cf.describe_change_set(ChangeSetName=change_set_id, NextToken=page["NextToken"])


def backoff(poll: float, growth: float = 1.5, most: float = 4.0):
    """Sleep intervals for polling: `poll` first, then longer, up to `most` times `poll`.

    A long stack operation is asked about less often, so many stacks polled at
    once (a solution's wave, several regions) stay under CloudFormation's API
    rate; one call per poll whatever the stack holds.
    """
    interval = poll
    while True:
        yield interval
        interval = min(interval * growth, poll * most)


def wait_change_set(cf, change_set_id: str, *, poll: float, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    for interval in backoff(poll):
        description = cf.describe_change_set(ChangeSetName=change_set_id)
        if description.get("Status") in CHANGE_SET_DONE:
            return description
        if time.monotonic() > deadline:
            raise DeployError(f"change set still {description.get('Status')} after {timeout:.0f}s")
        time.sleep(interval)
    raise AssertionError("unreachable")


@dataclass
class Watch:
    """How a stream of stack events ended."""

    status: str
    events: list[dict]


def stream(
    cf,
    stack_id: str,
    marker: str | None,
    *,
    region: str,
    reporter: Reporter,
    total: int,
    poll: float,
    timeout: float,
) -> Watch:
    """Print the stack's new events until it leaves every *_IN_PROGRESS state."""
    deadline = time.monotonic() + timeout
    seen: list[dict] = []
    latest: dict[str, str] = {}
    intervals = backoff(poll)
    while True:
        description = cf.describe_stacks(StackName=stack_id)["Stacks"][0]
        status = description["StackStatus"]
        new = events_since(cf, stack_id, marker)
        for event in new:
            reporter.line(region, format_event(event), "event")
            if event.get("PhysicalResourceId") != stack_id:
                latest[event.get("LogicalResourceId", "")] = str(event.get("ResourceStatus", ""))
        if new:
            marker = new[-1]["EventId"]
            seen += new
            done = sum(1 for s in latest.values() if s.endswith("_COMPLETE") and "ROLLBACK" not in s)
            reporter.progress(region, min(done, total), total)
        if not status.endswith("_IN_PROGRESS"):
            reporter.progress(region, total, total)
            return Watch(status, seen)
        if time.monotonic() > deadline:
            raise DeployError(
                f"stack {description['StackName']} still {status} after {timeout / 60:.0f} minutes; "
                "it goes on in AWS: follow it with 'cfn-catalog status'"
            )
        if new:  # events arriving: keep up; a quiet stack is asked less and less often
            intervals = backoff(poll)
        time.sleep(next(intervals))


def _nested_fetcher(cf, since: datetime | None) -> Callable[[str], list[dict]]:
    def fetch(stack_id: str) -> list[dict]:
        try:
            events = cf.describe_stack_events(StackName=stack_id).get("StackEvents", [])
        except Exception:
            return []
        return [e for e in events[::-1] if since is None or e.get("Timestamp", since) >= since]

    return fetch


def _same_as_deployed(cf, existing: Mapping[str, Any], target: Target, arguments: Mapping[str, Any]) -> bool:
    """True when the stack already runs this template body with these parameters and tags.

    Lets a rerun (or a resumed solution) skip a stack in two read calls instead
    of a change set. Anything that cannot be compared (a template in S3 whose
    children may have changed, a NoEcho value the stack shows as ****) means
    False: the change set decides.
    """
    if target.template_url or target.nested or target.no_echo:
        return False
    deployed = {p["ParameterKey"]: p.get("ParameterValue") for p in existing.get("Parameters") or []}
    wanted = {p["ParameterKey"]: p["ParameterValue"] for p in arguments["Parameters"]}
    if any(deployed.get(k) != v for k, v in wanted.items()):
        return False
    tags = {t["Key"]: t["Value"] for t in existing.get("Tags") or []}
    if tags != {t["Key"]: t["Value"] for t in arguments["Tags"]}:
        return False
    with aws.translated(f"read the template of {target.stack_name}"):
        body = cf.get_template(StackName=existing["StackId"], TemplateStage="Original").get("TemplateBody")
    return isinstance(body, str) and body == target.template_body


def references_resolver(
    env: str, params_dir: Path, declared: Mapping[str, dict], environ: Mapping[str, str] | None = None
) -> Callable[..., str]:
    """Looks up a standalone profile's references: a step is a template deployed with the same env."""
    from cfn_catalog import catalog

    environ = os.environ if environ is None else environ

    def stack_of(template: str) -> tuple[str, Any]:
        profile = load_profile(template, env, params_dir, required=False)
        return resolve_stack_name(template, env, None, profile), profile

    def resolve(ref, region: str | None, parameter: str | None = None) -> str:
        if ref.kind == "Env":
            return env_value(ref, environ)
        if ref.kind == "SSM":
            return ssm_value(ref, region, declared.get(parameter or "", {}))
        (template,) = catalog.check_names([ref.name])
        stack, profile = stack_of(template)
        if ref.kind == "StackName":
            return stack
        if ref.kind == "Region":
            regions = profile.regions if profile else []
            if len(regions) != 1:
                raise DeployError(
                    f"{ref.where}: {ref}: {template}'s profile for {env} must name exactly one region to be referenced"
                )
            return regions[0]
        return output_value(ref, stack, ref.region or region)

    return resolve


def env_value(ref, environ: Mapping[str, str]) -> str:
    value = environ.get(ref.name, ref.default)
    if value is None:
        raise UsageError(f"{ref.where}: {ref}: the environment variable {ref.name} is not set")
    return value


def ssm_value(ref, region: str | None, spec: Mapping[str, Any]) -> str:
    """CloudFormation resolves SSM-typed parameters itself; others are read here."""
    if str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::Value<"):
        return ref.name
    ssm = aws.client("ssm", region)
    with aws.translated(f"read SSM parameter {ref.name} in {region}"):
        try:
            return ssm.get_parameter(Name=ref.name)["Parameter"]["Value"]
        except Exception as exc:
            if aws.error_code(exc) == "ParameterNotFound":
                raise DeployError(f"{ref.where}: {ref}: no SSM parameter {ref.name} in {region}") from None
            raise


def output_value(ref, stack: str, region: str | None) -> str:
    cf = aws.client("cloudformation", region)
    with aws.translated(f"read the outputs of {stack} in {region}"):
        found = find_stack(cf, stack)
    if found is None:
        raise DeployError(f"{ref.where}: {ref}: no stack {stack} in {region}: deploy it first")
    if found["StackStatus"] not in HEALTHY:
        raise DeployError(f"{ref.where}: {ref}: stack {stack} in {region} is {found['StackStatus']}")
    outputs = stack_outputs(found)
    if ref.output not in outputs:
        have = ", ".join(outputs) or "none"
        raise DeployError(f"{ref.where}: {ref}: stack {stack} in {region} has no output {ref.output} (it has {have})")
    return outputs[ref.output]


# ---------------------------------------------------------------- one region


@dataclass
class _Pending:
    """A change set ready to execute in one region."""

    region: str
    cf: Any  # clients are thread-safe; sessions are not
    change_set_id: str
    stack_id: str
    change_type: str
    created_stack: bool
    changes: list[Change]
    started: float


def _change_set_name() -> str:
    return f"cfn-catalog-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def _prepare_region(target: Target, region: str, *, reporter: Reporter, poll: float, timeout: float):
    started = time.perf_counter()
    stack = target.stack_name
    cf = aws.client("cloudformation", region)
    with aws.translated(f"describe stack {stack} in {region}"):
        existing = find_stack(cf, stack)
    status = existing["StackStatus"] if existing else None
    if status == "ROLLBACK_COMPLETE":
        raise DeployError(
            f"stack {stack} is ROLLBACK_COMPLETE (its creation failed) and cannot be updated: delete it with "
            f"'cfn-catalog delete {target.name} --env {target.env} --region {region}', then deploy again"
        )
    if status and status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
        raise DeployError(f"stack {stack} is busy ({status}): wait until it finishes, then deploy again")
    change_type = "CREATE" if status in (None, "REVIEW_IN_PROGRESS") else "UPDATE"
    arguments = target.change_set_arguments(region)
    if existing and status in HEALTHY and _same_as_deployed(cf, existing, target, arguments):
        message = f"{stack} is up to date: same template, parameters and tags"
        return RegionResult(region, stack, "unchanged", status, message, seconds=_since(started))
    with aws.translated(f"create a change set for {stack} in {region}"):
        try:
            created = cf.create_change_set(ChangeSetName=_change_set_name(), ChangeSetType=change_type, **arguments)
        except Exception as exc:  # some endpoints (moto) refuse an empty update outright instead of failing it
            if any(text in str(exc) for text in NO_CHANGES):
                message = f"{stack} is up to date: no changes"
                return RegionResult(region, stack, "unchanged", status, message, seconds=_since(started))
            raise
        change_set_id, stack_id = created["Id"], created["StackId"]
        description = wait_change_set(cf, change_set_id, poll=poll, timeout=timeout)
    if description.get("Status") != "CREATE_COMPLETE":
        reason = " ".join(str(description.get("StatusReason") or "").split())
        if any(text in reason for text in NO_CHANGES):
            with aws.translated(f"delete the empty change set of {stack} in {region}"):
                cf.delete_change_set(ChangeSetName=change_set_id)
            message = f"{stack} is up to date: no changes (empty change set deleted)"
            return RegionResult(region, stack, "unchanged", status, message, seconds=_since(started))
        raise DeployError(f"change set for {stack} failed: {reason or description.get('Status')}")
    with aws.translated(f"describe the change set of {stack} in {region}"):
        changes = change_list(cf, change_set_id, description)
    count = f"{len(changes)} change{'s' * (len(changes) != 1)}"
    reporter.line(region, f"{'creating' if change_type == 'CREATE' else 'updating'} stack {stack}: {count}")
    for change in changes:
        reporter.line(region, "  " + change.line(), "change")
    return _Pending(region, cf, change_set_id, stack_id, change_type, status is None, changes, started)


def _execute(target: Target, pending: _Pending, *, reporter: Reporter, poll: float, timeout: float) -> RegionResult:
    cf, region, stack = pending.cf, pending.region, target.stack_name
    with aws.translated(f"read the events of {stack} in {region}"):
        marker = newest_event_id(cf, pending.stack_id)
    since = datetime.now(UTC)
    result = RegionResult(region, stack, "failed", changes=pending.changes)
    try:
        with aws.translated(f"execute the change set of {stack} in {region}"):
            cf.execute_change_set(ChangeSetName=pending.change_set_id)
        with aws.translated(f"follow stack {stack} in {region}"):
            watch = stream(
                cf,
                pending.stack_id,
                marker,
                region=region,
                reporter=reporter,
                total=len(pending.changes),
                poll=poll,
                timeout=timeout,
            )
            final = cf.describe_stacks(StackName=pending.stack_id)["Stacks"][0]
    except CatalogError as exc:
        # Rejected at execution (moto raises resource errors here): report what we have.
        result.message = str(exc)
        result.status, result.reasons = _after_failure(cf, pending.stack_id, marker, since)
        result.seconds = _since(pending.started)
        return result
    result.status = watch.status
    result.seconds = _since(pending.started)
    if watch.status in SUCCESS:
        result.outcome = "created" if pending.change_type == "CREATE" else "updated"
        result.outputs = stack_outputs(final)
        result.message = f"{result.outcome} {stack} ({watch.status})"
        return result
    first = min((e["Timestamp"] for e in watch.events if isinstance(e.get("Timestamp"), datetime)), default=since)
    result.reasons = failure_reasons(watch.events, nested_events=_nested_fetcher(cf, first))
    result.message = f"{stack} ended in {watch.status}"
    return result


def _after_failure(cf, stack_id: str, marker: str | None, since: datetime) -> tuple[str | None, list[str]]:
    try:
        status = cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        events = events_since(cf, stack_id, marker)
    except Exception:
        return None, []
    return status, failure_reasons(events, nested_events=_nested_fetcher(cf, since))


def _decline(target: Target, pending: _Pending) -> RegionResult:
    cf, stack = pending.cf, target.stack_name
    with aws.translated(f"delete the change set of {stack} in {pending.region}"):
        cf.delete_change_set(ChangeSetName=pending.change_set_id)
        if pending.created_stack:  # the empty REVIEW_IN_PROGRESS stack the change set made
            cf.delete_stack(StackName=pending.stack_id)
    return RegionResult(
        pending.region,
        stack,
        "declined",
        message=f"{stack} left as it was: change set deleted without executing it",
        changes=pending.changes,
        seconds=_since(pending.started),
    )


def _since(started: float) -> float:
    return time.perf_counter() - started


def _guard(region: str, stack: str, step: Callable[[], Any]) -> Any:
    """Run one region's step; a user-fixable error becomes that region's failed result."""
    started = time.perf_counter()
    try:
        return step()
    except CatalogError as exc:
        return RegionResult(region, stack, "failed", message=str(exc), seconds=_since(started))


# ---------------------------------------------------------------- public API


def run(
    target: Target,
    *,
    yes: bool = False,
    confirm: Callable[[str], bool] | None = None,
    parallel: bool = False,
    reporter: Reporter | None = None,
    poll: float = DEFAULT_POLL,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[RegionResult]:
    """Deploy `target` to each of its regions; one result per region, in region order."""
    aws.require_credentials(f"deploy {target.stack_name}")
    reporter = reporter or Reporter()
    stack = target.stack_name
    pending_approval: dict[str, bool] = {}

    def prepare_one(region: str):
        return _guard(
            region, stack, lambda: _prepare_region(target, region, reporter=reporter, poll=poll, timeout=timeout)
        )

    def approved(pending: _Pending) -> bool:
        if yes:
            return True
        if confirm is None:
            return False
        count = len(pending.changes)
        return confirm(f"Execute {count} change{'s' * (count != 1)} to stack {stack} in {pending.region}?")

    def finish(pending: _Pending) -> RegionResult:
        if not pending_approval[pending.region]:
            return _guard(pending.region, stack, lambda: _decline(target, pending))
        return _guard(
            pending.region,
            stack,
            lambda: _execute(target, pending, reporter=reporter, poll=poll, timeout=timeout),
        )

    if not parallel or len(target.regions) == 1:
        results = []
        for region in target.regions:
            prepared = prepare_one(region)
            if isinstance(prepared, RegionResult):
                results.append(prepared)
                continue
            pending_approval[region] = approved(prepared)
            results.append(finish(prepared))
        return results
    with ThreadPoolExecutor(max_workers=len(target.regions), thread_name_prefix="deploy") as pool:
        prepared_all = list(pool.map(prepare_one, target.regions))
        for prepared in prepared_all:  # ask in region order, on this thread
            if isinstance(prepared, _Pending):
                pending_approval[prepared.region] = approved(prepared)
        futures = [pool.submit(finish, p) if isinstance(p, _Pending) else None for p in prepared_all]
        return [f.result() if f else p for f, p in zip(futures, prepared_all, strict=True)]


def deploy(
    name: str,
    env: str,
    regions: Iterable[str] = (),
    *,
    stack_name: str | None = None,
    yes: bool = False,
    confirm: Callable[[str], bool] | None = None,
    prompt: Callable[[str, dict], str] | None = None,
    parallel: bool = False,
    params_dir: Path = PARAMS_DIR,
    directory: Path = outputs.DEFAULT_OUT,
    bucket: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    version: str | None = None,
    reporter: Reporter | None = None,
    poll: float = DEFAULT_POLL,
    timeout: float = DEFAULT_TIMEOUT,
    environ: Mapping[str, str] | None = None,
) -> list[RegionResult]:
    """Deploy template `name` with profile `env` to each region (see the module docstring).

    Raises for problems that concern every region (unknown template, bad
    profile, stale rendered file, publishing); returns one RegionResult per
    region otherwise. Without `yes`, each change set runs only if `confirm`
    returns True (no `confirm`: nothing runs).
    """
    target = prepare(
        name,
        env,
        regions,
        stack_name=stack_name,
        params_dir=params_dir,
        directory=directory,
        bucket=bucket,
        prefix=prefix,
        version=version,
        prompt=prompt,
        environ=environ,
        reporter=reporter,
    )
    return run(target, yes=yes, confirm=confirm, parallel=parallel, reporter=reporter, poll=poll, timeout=timeout)


def status(
    name: str,
    env: str,
    regions: Iterable[str] = (),
    *,
    stack_name: str | None = None,
    params_dir: Path = PARAMS_DIR,
) -> list[StackInfo]:
    """The stack of `name`/`env` in each region: status, reason, outputs (status None: no stack)."""
    from cfn_catalog import catalog

    (name,) = catalog.check_names([name])
    profile = load_profile(name, env, Path(params_dir), required=False)
    stack = resolve_stack_name(name, env, stack_name, profile)
    infos = []
    for region in resolve_regions(regions, profile):
        cf = aws.client("cloudformation", region)
        with aws.translated(f"describe stack {stack} in {region}"):
            found = find_stack(cf, stack)
        if found is None:
            infos.append(StackInfo(region, stack, None))
            continue
        infos.append(
            StackInfo(
                region,
                stack,
                found["StackStatus"],
                reason=" ".join(str(found.get("StackStatusReason") or "").split()),
                updated=found.get("LastUpdatedTime") or found.get("CreationTime"),
                outputs=stack_outputs(found),
                stack_id=found["StackId"],
            )
        )
    return infos


def retained_resources(cf, stack_id: str) -> list[str]:
    """Logical ids the deployed template keeps on deletion (DeletionPolicy Retain)."""
    from cfn_catalog.aws.publish import load_template

    try:
        body = cf.get_template(StackName=stack_id, TemplateStage="Original")["TemplateBody"]
        doc = body if isinstance(body, dict) else load_template(body)
    except Exception:
        return []
    return [
        logical_id
        for logical_id, resource in (doc.get("Resources") or {}).items()
        if isinstance(resource, dict) and resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate")
    ]


def delete(
    name: str,
    env: str,
    region: str,
    *,
    stack_name: str | None = None,
    yes: bool = False,
    confirm: Callable[[str], bool] | None = None,
    params_dir: Path = PARAMS_DIR,
    reporter: Reporter | None = None,
    poll: float = DEFAULT_POLL,
    timeout: float = DEFAULT_TIMEOUT,
) -> RegionResult:
    """Delete the stack of `name`/`env` in `region` (after `confirm` unless `yes`) and wait for it."""
    from cfn_catalog import catalog

    reporter = reporter or Reporter()
    started = time.perf_counter()
    (name,) = catalog.check_names([name])
    region = links.check_region(region)
    profile = load_profile(name, env, Path(params_dir), required=False)
    stack = resolve_stack_name(name, env, stack_name, profile)
    cf = aws.client("cloudformation", region)
    with aws.translated(f"describe stack {stack} in {region}"):
        found = find_stack(cf, stack)
    if found is None:  # as the AWS CLI: deleting what is not there succeeds
        message = f"no stack {stack} in {region}: nothing to delete"
        return RegionResult(region, stack, "absent", None, message, seconds=_since(started))
    current, stack_id = found["StackStatus"], found["StackId"]
    if current.endswith("_IN_PROGRESS") and current != "REVIEW_IN_PROGRESS":
        raise DeployError(f"stack {stack} in {region} is busy ({current}): wait until it finishes")
    kept = retained_resources(cf, stack_id)
    if kept:
        reporter.line(region, f"kept after deletion (DeletionPolicy Retain): {', '.join(kept)}")
    if not yes and not (confirm and confirm(f"Delete stack {stack} ({current}) in {region}?")):
        return RegionResult(region, stack, "declined", current, f"{stack} not deleted", seconds=_since(started))
    with aws.translated(f"delete stack {stack} in {region}"):
        marker = newest_event_id(cf, stack_id)
        cf.delete_stack(StackName=stack_id)
        watch = stream(cf, stack_id, marker, region=region, reporter=reporter, total=1, poll=poll, timeout=timeout)
    result = RegionResult(region, stack, "failed", watch.status, seconds=_since(started))
    if watch.status == "DELETE_COMPLETE":
        result.outcome, result.message = "deleted", f"deleted {stack} ({watch.status})"
    else:
        result.reasons = failure_reasons(watch.events)
        result.message = f"{stack} ended in {watch.status}"
    return result
