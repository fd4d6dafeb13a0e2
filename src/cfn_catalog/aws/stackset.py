"""Deploy a template to many accounts and regions through CloudFormation StackSets.

A profile with a `StackSet:` section (see stacksets.py) makes `deploy` create
or update the stack set (template body, or the published S3 URL for nested
trees, templates with assets and templates over the body limit; capabilities
as for stacks), then add, update or remove stack instances until they match
the profile. AWS runs each operation server-side with the profile's
concurrency and failure tolerance; the client follows it with one
DescribeStackSetOperation call per poll, whatever the number of instances,
and reports every failed instance with its reason. Instances the profile no
longer lists are removed only when confirmed (or with `yes`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfn_catalog import aws, outputs, wording
from cfn_catalog.aws import deploy as deployer
from cfn_catalog.aws.publish import DEFAULT_PREFIX
from cfn_catalog.errors import CatalogError
from cfn_catalog.params import PARAMS_DIR

OPERATION_DONE = frozenset({"SUCCEEDED", "FAILED", "STOPPED"})


class StackSetDeployError(CatalogError):
    pass


@dataclass
class InstanceResult:
    account: str  # an account id, or an OU id for service-managed targets not yet resolved
    region: str
    status: str
    reason: str = ""


@dataclass
class OperationResult:
    action: str  # CREATE, UPDATE, DELETE, DETECT_DRIFT
    operation_id: str
    status: str
    instances: list[InstanceResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def failed(self) -> list[InstanceResult]:
        return [i for i in self.instances if i.status == "FAILED"]


@dataclass
class StackSetResult:
    name: str
    outcome: str  # created, updated, unchanged, failed, declined, deleted
    message: str = ""
    operations: list[OperationResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in ("created", "updated", "unchanged", "deleted") and all(o.ok for o in self.operations)


def _call_as(spec) -> dict[str, str]:
    return {"CallAs": spec.call_as}


def _resolve_profile(name: str, env: str, params_dir: Path, profile, set_name: str | None):
    """(profile, its StackSet spec, the stack set's name)."""
    from cfn_catalog import params

    profile = profile or params.load(name, env, Path(params_dir))
    spec = profile.stack_set
    if spec is None:
        raise StackSetDeployError(f"{profile.path} has no StackSet section: deploy it as stacks")
    return profile, spec, set_name or spec.name or profile.stack_name or f"{name}-{env}"


def find(cf, name: str, spec) -> dict | None:
    from botocore.exceptions import ClientError

    try:
        return cf.describe_stack_set(StackSetName=name, **_call_as(spec))["StackSet"]
    except ClientError as exc:
        if aws.error_code(exc) in ("StackSetNotFoundException", "StackSetNotFound"):
            return None
        raise


def instances(cf, name: str, spec) -> list[dict]:
    found: list[dict] = []
    kwargs: dict[str, Any] = {"StackSetName": name, **_call_as(spec)}
    while True:
        page = cf.list_stack_instances(**kwargs)
        found += page.get("Summaries", [])
        if not page.get("NextToken"):
            return found
        kwargs["NextToken"] = page["NextToken"]


def wait(
    cf, name: str, spec, operation_id: str, action: str, *, reporter: deployer.Reporter, poll: float, timeout: float
) -> OperationResult:
    """Follow one operation to its end: one DescribeStackSetOperation per poll, then its results once."""
    deadline = time.monotonic() + timeout
    for interval in deployer.backoff(poll):
        operation = cf.describe_stack_set_operation(StackSetName=name, OperationId=operation_id, **_call_as(spec))
        status = operation["StackSetOperation"]["Status"]
        if status in OPERATION_DONE:
            break
        if time.monotonic() > deadline:
            raise StackSetDeployError(
                f"stack set {name}: operation {operation_id} still {status} after {timeout / 60:.0f} minutes; "
                "it goes on in AWS: follow it with 'cfn-catalog status'"
            )
        time.sleep(interval)
    result = OperationResult(action, operation_id, status)
    kwargs: dict[str, Any] = {"StackSetName": name, "OperationId": operation_id, **_call_as(spec)}
    while True:
        page = cf.list_stack_set_operation_results(**kwargs)
        for item in page.get("Summaries", []):
            instance = InstanceResult(
                item.get("Account") or item.get("OrganizationalUnitId") or "",
                item.get("Region", ""),
                item.get("Status", ""),
                " ".join(str(item.get("StatusReason") or "").split()),
            )
            result.instances.append(instance)
            reason = f": {instance.reason}" if instance.reason else ""
            reporter.line(f"{instance.account}/{instance.region}", f"{action.lower()} {instance.status}{reason}")
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    reporter.line("", f"stack set {name}: {action.lower()} operation {status}")
    return result


def _instance_key(summary: dict, spec) -> tuple[str, str]:
    target = summary.get("OrganizationalUnitId") if spec.service_managed else summary.get("Account")
    return (str(target or summary.get("Account")), summary["Region"])


def _desired(spec) -> set[tuple[str, str]]:
    targets = spec.organizational_units if spec.service_managed else spec.accounts
    return {(target, region) for target in targets for region in spec.regions}


def _targets(spec, ids: Iterable[str]) -> dict[str, Any]:
    ids = sorted(set(ids))
    if spec.service_managed:
        targets: dict[str, Any] = {"OrganizationalUnitIds": ids}
        if spec.accounts:
            targets |= {"Accounts": list(spec.accounts), "AccountFilterType": spec.account_filter}
        return {"DeploymentTargets": targets}
    return {"Accounts": ids}


def _overrides(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def _definition(target: deployer.Target, spec, partition_account: tuple[str, str] | None) -> dict[str, Any]:
    """What CreateStackSet and UpdateStackSet share."""
    args: dict[str, Any] = {
        "Parameters": _overrides(target.parameters),
        "Capabilities": target.capabilities,
        "Tags": [{"Key": k, "Value": v} for k, v in target.tags.items()],
        "Description": f"{target.name} --env {target.env} (cfn-catalog)",
        **_call_as(spec),
    }
    if target.template_url:
        args["TemplateURL"] = target.template_url
    else:
        args["TemplateBody"] = target.template_body
    if spec.administration_role and partition_account:
        partition, account = partition_account
        args["AdministrationRoleARN"] = f"arn:{partition}:iam::{account}:role/{spec.administration_role}"
    if spec.execution_role:
        args["ExecutionRoleName"] = spec.execution_role
    if spec.service_managed:
        args["AutoDeployment"] = spec.auto_deployment or {"Enabled": False}
    return args


def _same_definition(existing: dict, target: deployer.Target) -> bool:
    """The stack set already holds this template body, these parameters and tags (no operation needed)."""
    if target.template_url or target.no_echo:
        return False
    parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in existing.get("Parameters") or []}
    tags = {t["Key"]: t["Value"] for t in existing.get("Tags") or []}
    return (
        existing.get("TemplateBody") == target.template_body and parameters == target.parameters and tags == target.tags
    )


def deploy(
    name: str,
    env: str,
    *,
    yes: bool = False,
    confirm: Callable[[str], bool] | None = None,
    params_dir: Path = PARAMS_DIR,
    directory: Path = outputs.DEFAULT_OUT,
    bucket: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    reporter: deployer.Reporter | None = None,
    poll: float = deployer.DEFAULT_POLL,
    timeout: float = deployer.DEFAULT_TIMEOUT,
    profile=None,
    set_name: str | None = None,
    resolve: Callable[..., str] | None = None,
) -> StackSetResult:
    """Make the stack set of `name`/`env` and its instances match the profile (see the module docstring).

    `profile`, `set_name` and `resolve` are a solution's: its step's values, stack set name and references.
    """
    profile, spec, set_name = _resolve_profile(name, env, params_dir, profile, set_name)
    target = deployer.prepare(
        name,
        env,
        spec.regions,
        stack_name=set_name,
        params_dir=params_dir,
        directory=directory,
        bucket=bucket,
        prefix=prefix,
        reporter=reporter,
        profile=profile,
        resolve=resolve,
    )
    aws.require_credentials(f"deploy stack set {set_name}")
    home = aws.default_region() or spec.regions[0]
    cf = aws.client("cloudformation", home)
    common = {"StackSetName": set_name, **_call_as(spec)}
    preferences = {"OperationPreferences": spec.preferences} if spec.preferences else {}
    result = StackSetResult(set_name, "unchanged")
    caller = None
    if spec.administration_role:
        with aws.translated("read the caller's account"):
            identity = aws.client("sts", home).get_caller_identity()
            caller = (identity["Arn"].split(":")[1], identity["Account"])
    with aws.translated(f"deploy stack set {set_name} from {home}"):
        existing = find(cf, set_name, spec)
        definition = _definition(target, spec, caller)
        if existing is None:
            cf.create_stack_set(StackSetName=set_name, PermissionModel=spec.permission_model, **definition)
            result.outcome = "created"
            reporter.line("", f"created stack set {set_name} ({spec.permission_model}, {spec.targets_text()})")
        elif not _same_definition(existing, target):
            definition.pop("CallAs")
            operation_id = cf.update_stack_set(StackSetName=set_name, **definition, **preferences, **_call_as(spec))[
                "OperationId"
            ]
            reporter.line("", f"updating stack set {set_name} and its instances")
            result.operations.append(
                wait(cf, set_name, spec, operation_id, "UPDATE", reporter=reporter, poll=poll, timeout=timeout)
            )
            result.outcome = "updated"
        current = {_instance_key(s, spec): s for s in instances(cf, set_name, spec)}
        desired = _desired(spec)
        missing = sorted(desired - set(current))
        # Regions whose values differ get their own call (ParameterOverrides apply to the whole call).
        groups: dict[tuple, list[str]] = {}
        for region in sorted({r for _, r in missing}):
            groups.setdefault(tuple(sorted(target.regional.get(region, {}).items())), []).append(region)
        for override, regions in groups.items():
            ids = sorted({t for t, r in missing if r in regions})
            operation_id = cf.create_stack_instances(
                **common,
                **_targets(spec, ids),
                Regions=regions,
                ParameterOverrides=_overrides(dict(override)),
                **preferences,
            )["OperationId"]
            reporter.line("", f"adding instances: {', '.join(ids)} in {', '.join(regions)}")
            result.operations.append(
                wait(cf, set_name, spec, operation_id, "CREATE", reporter=reporter, poll=poll, timeout=timeout)
            )
            result.outcome = "updated" if result.outcome == "unchanged" else result.outcome
        for region, values in sorted(target.regional.items()):
            present = [s for key, s in current.items() if key[1] == region and key in desired]
            if not present or _overrides_of(cf, set_name, spec, present[0]) == values:
                continue
            ids = sorted({_instance_key(s, spec)[0] for s in present})
            operation_id = cf.update_stack_instances(
                **common, **_targets(spec, ids), Regions=[region], ParameterOverrides=_overrides(values), **preferences
            )["OperationId"]
            result.operations.append(
                wait(cf, set_name, spec, operation_id, "UPDATE", reporter=reporter, poll=poll, timeout=timeout)
            )
            result.outcome = "updated" if result.outcome == "unchanged" else result.outcome
        extra = sorted(set(current) - desired)
        if extra:
            listed = ", ".join(f"{t}/{r}" for t, r in extra)
            if yes or (confirm and confirm(f"Remove {len(extra)} instances the profile no longer lists ({listed})?")):
                by_region: dict[str, list[str]] = {}
                for ident, region in extra:
                    by_region.setdefault(region, []).append(ident)
                for region, ids in sorted(by_region.items()):
                    operation_id = cf.delete_stack_instances(
                        **common, **_targets(spec, ids), Regions=[region], RetainStacks=False, **preferences
                    )["OperationId"]
                    result.operations.append(
                        wait(cf, set_name, spec, operation_id, "DELETE", reporter=reporter, poll=poll, timeout=timeout)
                    )
                result.outcome = "updated" if result.outcome == "unchanged" else result.outcome
            else:
                reporter.line("", f"kept instances the profile no longer lists: {listed} (remove them with --yes)")
    failed = [i for o in result.operations for i in o.failed]
    if any(not o.ok for o in result.operations):
        result.outcome = "failed"
        result.message = f"stack set {set_name}: {wording.count(len(failed), 'instance')} failed"
    elif result.outcome == "unchanged":
        result.message = f"stack set {set_name} is up to date: {wording.count(len(desired), 'instance')}"
    else:
        result.message = (
            f"{result.outcome} stack set {set_name}: {wording.count(len(desired), 'instance')} ({spec.targets_text()})"
        )
    return result


def _overrides_of(cf, name: str, spec, summary: dict) -> dict[str, str]:
    described = cf.describe_stack_instance(
        StackSetName=name,
        StackInstanceAccount=summary["Account"],
        StackInstanceRegion=summary["Region"],
        **_call_as(spec),
    )["StackInstance"]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("ParameterOverrides") or []}


@dataclass
class StackSetStatus:
    name: str
    status: str | None  # None: no such stack set
    drift: str = ""
    operations: list[dict] = field(default_factory=list)
    instances: list[dict] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return self.status == "ACTIVE" and all(i.get("status") == "CURRENT" for i in self.instances)


def status(
    name: str,
    env: str,
    *,
    params_dir: Path = PARAMS_DIR,
    detect_drift: bool = False,
    reporter: deployer.Reporter | None = None,
    poll: float = deployer.DEFAULT_POLL,
    timeout: float = deployer.DEFAULT_TIMEOUT,
    profile=None,
    set_name: str | None = None,
) -> StackSetStatus:
    """The stack set, its last operations and every instance (status, drift, reason)."""
    reporter = reporter or deployer.Reporter()
    profile, spec, set_name = _resolve_profile(name, env, params_dir, profile, set_name)
    aws.require_credentials(f"read stack set {set_name}")
    cf = aws.client("cloudformation", aws.default_region() or spec.regions[0])
    with aws.translated(f"read stack set {set_name}"):
        found = find(cf, set_name, spec)
        if found is None:
            return StackSetStatus(set_name, None)
        if detect_drift:
            operation_id = cf.detect_stack_set_drift(StackSetName=set_name, **_call_as(spec))["OperationId"]
            wait(cf, set_name, spec, operation_id, "DETECT_DRIFT", reporter=reporter, poll=poll, timeout=timeout)
            found = find(cf, set_name, spec) or found
        operations = cf.list_stack_set_operations(StackSetName=set_name, MaxResults=5, **_call_as(spec)).get(
            "Summaries", []
        )
        summaries = instances(cf, set_name, spec)
    return StackSetStatus(
        set_name,
        found.get("Status"),
        (found.get("StackSetDriftDetectionDetails") or {}).get("DriftStatus", ""),
        [
            {
                "id": o.get("OperationId"),
                "action": o.get("Action"),
                "status": o.get("Status"),
                "started": str(o.get("CreationTimestamp") or ""),
            }
            for o in operations
        ],
        [
            {
                "account": s.get("Account"),
                "region": s.get("Region"),
                "ou": s.get("OrganizationalUnitId"),
                "status": s.get("Status"),
                "detailed": (s.get("StackInstanceStatus") or {}).get("DetailedStatus", ""),
                "drift": s.get("DriftStatus", ""),
                "reason": " ".join(str(s.get("StatusReason") or "").split()),
            }
            for s in summaries
        ],
    )


def delete(
    name: str,
    env: str,
    *,
    yes: bool = False,
    retain_stacks: bool = False,
    confirm: Callable[[str], bool] | None = None,
    params_dir: Path = PARAMS_DIR,
    reporter: deployer.Reporter | None = None,
    poll: float = deployer.DEFAULT_POLL,
    timeout: float = deployer.DEFAULT_TIMEOUT,
    profile=None,
    set_name: str | None = None,
) -> StackSetResult:
    """Remove every instance (or only detach them, with `retain_stacks`), then the stack set."""
    reporter = reporter or deployer.Reporter()
    profile, spec, set_name = _resolve_profile(name, env, params_dir, profile, set_name)
    aws.require_credentials(f"delete stack set {set_name}")
    cf = aws.client("cloudformation", aws.default_region() or spec.regions[0])
    result = StackSetResult(set_name, "deleted")
    with aws.translated(f"delete stack set {set_name}"):
        if find(cf, set_name, spec) is None:
            return StackSetResult(set_name, "deleted", f"no stack set {set_name}: nothing to delete")
        current = instances(cf, set_name, spec)
        kept = "the instances' stacks stay, detached from the stack set" if retain_stacks else "nothing is kept"
        question = f"Delete stack set {set_name} and its {wording.count(len(current), 'instance')} ({kept})?"
        if not yes and not (confirm and confirm(question)):
            return StackSetResult(set_name, "declined", f"stack set {set_name} not deleted")
        reporter.line("", f"deleting {wording.count(len(current), 'instance')} of {set_name}: {kept}")
        by_region: dict[str, set[str]] = {}
        for summary in current:
            by_region.setdefault(summary["Region"], set()).add(_instance_key(summary, spec)[0])
        preferences = {"OperationPreferences": spec.preferences} if spec.preferences else {}
        for region, ids in sorted(by_region.items()):
            operation_id = cf.delete_stack_instances(
                StackSetName=set_name,
                **_targets(spec, ids),
                Regions=[region],
                RetainStacks=retain_stacks,
                **preferences,
                **_call_as(spec),
            )["OperationId"]
            result.operations.append(
                wait(cf, set_name, spec, operation_id, "DELETE", reporter=reporter, poll=poll, timeout=timeout)
            )
        if any(not o.ok for o in result.operations):
            result.outcome = "failed"
            result.message = f"stack set {set_name}: instances could not all be deleted; the stack set stays"
            return result
        cf.delete_stack_set(StackSetName=set_name, **_call_as(spec))
    result.message = (
        f"deleted stack set {set_name} ({wording.count(len(current), 'instance')}{', stacks retained' * retain_stacks})"
    )
    return result
