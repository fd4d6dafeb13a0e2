"""Run a planned solution against AWS: deploy, review, inspect and delete every stack of it.

The plan (`solutions.plan`) says which stacks there are and what each needs.
`deploy` starts every stack as soon as the stacks it needs have finished
(so a wave of independent stacks takes about as long as its slowest one),
at most `max_parallel` at a time, across regions too, each through the same
change-set deploy as `cfn-catalog deploy`. A stack's references are looked up
just before it starts: outputs from the stacks it waits for, environment
variables, SSM parameters. A failure stops the stacks that need it, directly
or not, and nothing else. Running it again resumes: stacks that already run
the same template, parameters and tags are reported up to date without a
change set. `delete` goes in reverse order, one wave at a time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfn_catalog import aws, outputs, wording
from cfn_catalog.aws import deploy as deployer
from cfn_catalog.aws.publish import DEFAULT_PREFIX
from cfn_catalog.errors import CatalogError
from cfn_catalog.params import PARAMS_DIR
from cfn_catalog.solutions import Key, Node, Plan


@dataclass
class StackResult:
    """What happened to one stack of the solution."""

    step: str
    region: str
    stack_name: str
    outcome: str  # created, updated, unchanged, declined, failed, skipped, deleted, absent, reviewed, pending
    message: str = ""
    status: str | None = None
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0
    changes: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in ("created", "updated", "unchanged", "deleted", "absent", "reviewed", "pending")

    @property
    def label(self) -> str:
        return f"{self.step}@{self.region}"

    @classmethod
    def of(cls, node: Node, result: deployer.RegionResult, started: float, **changed: Any) -> StackResult:
        """The stack's result from deploy's result for its region (`changed`: outcome or message to restate)."""
        return cls(
            node.step,
            node.region,
            node.stack_name,
            changed.get("outcome", result.outcome),
            changed.get("message", result.message),
            result.status,
            result.reasons,
            time.perf_counter() - started,
            result.changes,
        )


class _Labelled(deployer.Reporter):
    """Prefixes one stack's lines with its step, so concurrent stacks stay readable."""

    def __init__(self, inner: deployer.Reporter, node: Node):
        self.inner = inner
        self.label = node.label

    def line(self, region: str, text: str, kind: str = "info") -> None:
        self.inner.line(self.label, text, kind)

    def progress(self, region: str, done: int, total: int) -> None:
        self.inner.progress(self.label, done, total)


def resolver(plan: Plan, environ: Mapping[str, str] | None = None) -> Callable[..., str]:
    """Looks up a node's remaining references: outputs of the steps it waits for, env vars, SSM."""
    environ = os.environ if environ is None else environ

    def resolve(ref, region: str | None, parameter: str | None = None, *, declared: Mapping[str, dict]) -> str:
        if ref.kind == "Env":
            return deployer.env_value(ref, environ)
        if ref.kind == "SSM":
            return deployer.ssm_value(ref, region, declared.get(parameter or "", {}))
        producer = plan.nodes[(ref.name, ref.region)]
        return deployer.output_value(ref, producer.stack_name, producer.region)

    return resolve


def _target(
    plan: Plan, node: Node, *, resolve, reporter, params_dir, directory, bucket, prefix, environ
) -> deployer.Target:
    from cfn_catalog import catalog

    declared = catalog.template_dict(node.template).get("Parameters", {})
    return deployer.prepare(
        node.template,
        node.env,
        [node.region],
        stack_name=node.stack_name,
        params_dir=params_dir,
        directory=directory,
        bucket=bucket,
        prefix=prefix,
        environ=environ,
        reporter=reporter,
        profile=node.profile,
        resolve=lambda ref, region, parameter: resolve(ref, region, parameter, declared=declared),
    )


def deploy(
    plan: Plan,
    *,
    yes: bool = False,
    confirm: Callable[[str], bool] | None = None,
    max_parallel: int = 4,
    reporter: deployer.Reporter | None = None,
    params_dir: Path = PARAMS_DIR,
    directory: Path = outputs.DEFAULT_OUT,
    bucket: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    poll: float = deployer.DEFAULT_POLL,
    timeout: float = deployer.DEFAULT_TIMEOUT,
    environ: Mapping[str, str] | None = None,
) -> list[StackResult]:
    """Deploy every stack of `plan` (see the module docstring); one result per stack, in plan order."""
    aws.require_credentials(f"deploy solution {plan.solution.name}")
    reporter = reporter or deployer.Reporter()
    resolve = resolver(plan, environ)
    options = {"params_dir": params_dir, "directory": directory, "bucket": bucket, "prefix": prefix}
    asking = threading.Lock()

    def ask(text: str) -> bool:
        with asking:  # prompts from concurrent stacks, one at a time
            return bool(confirm and confirm(text))

    def one(node: Node) -> StackResult:
        started = time.perf_counter()
        labelled = _Labelled(reporter, node)
        if node.stack_set is not None:
            return _deploy_stack_set(
                plan,
                node,
                yes=yes,
                confirm=ask,
                resolve=resolve,
                reporter=labelled,
                poll=poll,
                timeout=timeout,
                **options,
            )
        try:
            target = _target(plan, node, resolve=resolve, reporter=labelled, environ=environ, **options)
            (result,) = deployer.run(target, yes=yes, confirm=ask, reporter=labelled, poll=poll, timeout=timeout)
        except CatalogError as exc:
            return StackResult(
                node.step, node.region, node.stack_name, "failed", str(exc), seconds=time.perf_counter() - started
            )
        return StackResult.of(node, result, started)

    results = _schedule(plan, one, max_parallel=max_parallel, reporter=reporter)
    return [results[key] for key in plan.order()]


def _deploy_stack_set(plan: Plan, node: Node, *, resolve, confirm, **options) -> StackResult:
    """A stack-set step: the stack set and its instances made to match the step's profile."""
    from cfn_catalog import catalog
    from cfn_catalog.aws import stackset

    started = time.perf_counter()
    declared = catalog.template_dict(node.template).get("Parameters", {})
    try:
        result = stackset.deploy(
            node.template,
            node.env,
            confirm=confirm,
            profile=node.profile,
            set_name=node.stack_name,
            resolve=lambda ref, region, parameter: resolve(ref, region, parameter, declared=declared),
            **options,
        )
    except CatalogError as exc:
        return StackResult(
            node.step, node.region, node.stack_name, "failed", str(exc), seconds=time.perf_counter() - started
        )
    failed = [f"{i.account}/{i.region}: {i.reason or i.status}" for o in result.operations for i in o.failed]
    outcome = result.outcome if result.ok else "failed"
    return StackResult(
        node.step,
        node.region,
        node.stack_name,
        outcome,
        result.message,
        reasons=failed,
        seconds=time.perf_counter() - started,
    )


def _schedule(
    plan: Plan, run_one: Callable[[Node], StackResult], *, max_parallel: int, reporter: deployer.Reporter
) -> dict[Key, StackResult]:
    """Start each stack once everything it needs succeeded; skip it once something it needs did not."""
    results: dict[Key, StackResult] = {}
    waiting = list(plan.order())
    running: dict[Any, Key] = {}
    with ThreadPoolExecutor(max_workers=max(1, max_parallel), thread_name_prefix="solution") as pool:
        while waiting or running:
            for key in list(waiting):
                node = plan.nodes[key]
                failed = [n for n in sorted(node.needs) if n in results and not results[n].ok]
                if failed:
                    waiting.remove(key)
                    blocked_by = ", ".join(f"{s}@{r}" for s, r in failed)
                    results[key] = StackResult(
                        node.step, node.region, node.stack_name, "skipped", f"not started: {blocked_by} did not deploy"
                    )
                    reporter.line(node.label, results[key].message)
                elif all(n in results for n in node.needs) and len(running) < max(1, max_parallel):
                    waiting.remove(key)
                    running[pool.submit(run_one, node)] = key
            if not running:
                continue
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                key = running.pop(future)
                results[key] = future.result()
    return results


def review(
    plan: Plan,
    *,
    reporter: deployer.Reporter | None = None,
    params_dir: Path = PARAMS_DIR,
    directory: Path = outputs.DEFAULT_OUT,
    bucket: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    poll: float = deployer.DEFAULT_POLL,
    timeout: float = deployer.DEFAULT_TIMEOUT,
    environ: Mapping[str, str] | None = None,
) -> list[StackResult]:
    """A change set per stack that exists or can be created now, shown and deleted without executing it.

    A stack whose references need stacks that are not deployed yet is reported
    as not reviewable, with what it waits for.
    """
    aws.require_credentials(f"review solution {plan.solution.name}")
    reporter = reporter or deployer.Reporter()
    resolve = resolver(plan, environ)
    options = {"params_dir": params_dir, "directory": directory, "bucket": bucket, "prefix": prefix}
    results = []
    for key in plan.order():
        node = plan.nodes[key]
        labelled = _Labelled(reporter, node)
        started = time.perf_counter()
        try:
            target = _target(plan, node, resolve=resolve, reporter=labelled, environ=environ, **options)
            (result,) = deployer.run(target, yes=False, confirm=None, reporter=labelled, poll=poll, timeout=timeout)
        except CatalogError as exc:
            waits = ", ".join(f"{s}@{r}" for s, r in sorted(node.needs))
            message = f"cannot review yet: {exc}" + (f" (needs {waits})" if waits else "")
            results.append(StackResult(node.step, node.region, node.stack_name, "pending", message))
            continue
        outcome = (
            "unchanged"
            if result.outcome == "unchanged"
            else "reviewed"
            if result.outcome == "declined"
            else result.outcome
        )
        count = len(result.changes)
        message = result.message if outcome != "reviewed" else f"{wording.count(count, 'change')}; change set deleted"
        results.append(StackResult.of(node, result, started, outcome=outcome, message=message))
    return results


def status(plan: Plan) -> list[tuple[Node, Any]]:
    """Every stack of the solution: status, reason and outputs (status None: not deployed).

    A stack-set step gives a `stackset.StackSetStatus` (the stack set and its instances) instead.
    """
    from cfn_catalog.aws import stackset

    found = []
    for key in plan.order():
        node = plan.nodes[key]
        if node.stack_set is not None:
            found.append(
                (node, stackset.status(node.template, node.env, profile=node.profile, set_name=node.stack_name))
            )
            continue
        cf = aws.client("cloudformation", node.region)
        with aws.translated(f"describe stack {node.stack_name} in {node.region}"):
            description = deployer.find_stack(cf, node.stack_name)
        if description is None:
            found.append((node, deployer.StackInfo(node.region, node.stack_name, None)))
            continue
        found.append(
            (
                node,
                deployer.StackInfo(
                    node.region,
                    node.stack_name,
                    description["StackStatus"],
                    reason=" ".join(str(description.get("StackStatusReason") or "").split()),
                    updated=description.get("LastUpdatedTime") or description.get("CreationTime"),
                    outputs=deployer.stack_outputs(description),
                    stack_id=description["StackId"],
                ),
            )
        )
    return found


def delete(
    plan: Plan,
    *,
    yes: bool = False,
    confirm: Callable[[str], bool] | None = None,
    reporter: deployer.Reporter | None = None,
    poll: float = deployer.DEFAULT_POLL,
    timeout: float = deployer.DEFAULT_TIMEOUT,
) -> list[StackResult]:
    """Delete every stack in reverse dependency order, one wave at a time, naming what each keeps.

    Without `yes`, one confirmation covers the whole list. A stack that does
    not exist is reported as absent. A failed deletion stops the waves before
    it (they hold what it needs), not the rest of its wave.
    """
    aws.require_credentials(f"delete solution {plan.solution.name}")
    reporter = reporter or deployer.Reporter()
    existing = {node.key: info for node, info in status(plan) if info.status is not None}
    results: dict[Key, StackResult] = {}
    for node in plan.nodes.values():
        if node.key not in existing:
            results[node.key] = StackResult(
                node.step, node.region, node.stack_name, "absent", "no stack: nothing to delete"
            )
    if existing:
        names = ", ".join(f"{plan.nodes[k].stack_name} ({k[1]})" for k in reversed(plan.order()) if k in existing)
        if not yes and not (confirm and confirm(f"Delete {len(existing)} stacks of {plan.solution.name}: {names}?")):
            for key in existing:
                node = plan.nodes[key]
                results[key] = StackResult(node.step, node.region, node.stack_name, "declined", "not deleted")
            return [results[key] for key in reversed(plan.order())]
    stop = False
    for wave in reversed(plan.waves):
        todo = [key for key in wave if key in existing]
        if stop:
            for key in todo:
                node = plan.nodes[key]
                results[key] = StackResult(
                    node.step, node.region, node.stack_name, "skipped", "kept: a stack that uses it was not deleted"
                )
            continue
        with ThreadPoolExecutor(max_workers=max(1, len(todo)), thread_name_prefix="delete") as pool:
            futures = {
                key: pool.submit(_delete_one, plan.nodes[key], existing[key], reporter, poll, timeout) for key in todo
            }
        for key, future in futures.items():
            results[key] = future.result()
            stop = stop or not results[key].ok
    return [results[key] for key in reversed(plan.order())]


def _delete_one(node: Node, info, reporter, poll: float, timeout: float) -> StackResult:
    started = time.perf_counter()
    labelled = _Labelled(reporter, node)
    if node.stack_set is not None:
        from cfn_catalog.aws import stackset

        try:
            result = stackset.delete(
                node.template,
                node.env,
                yes=True,
                profile=node.profile,
                set_name=node.stack_name,
                reporter=labelled,
                poll=poll,
                timeout=timeout,
            )
        except CatalogError as exc:
            return StackResult(node.step, node.region, node.stack_name, "failed", str(exc))
        return StackResult(
            node.step,
            node.region,
            node.stack_name,
            "deleted" if result.ok else "failed",
            result.message,
            seconds=time.perf_counter() - started,
        )
    cf = aws.client("cloudformation", node.region)
    try:
        if info.status.endswith("_IN_PROGRESS") and info.status != "REVIEW_IN_PROGRESS":
            raise deployer.DeployError(f"stack {node.stack_name} is busy ({info.status}): wait until it finishes")
        kept = deployer.retained_resources(cf, info.stack_id)
        if kept:
            labelled.line(node.region, f"kept after deletion (DeletionPolicy Retain): {', '.join(kept)}")
        with aws.translated(f"delete stack {node.stack_name} in {node.region}"):
            marker = deployer.newest_event_id(cf, info.stack_id)
            cf.delete_stack(StackName=info.stack_id)
            watch = deployer.stream(
                cf, info.stack_id, marker, region=node.region, reporter=labelled, total=1, poll=poll, timeout=timeout
            )
    except CatalogError as exc:
        return StackResult(
            node.step, node.region, node.stack_name, "failed", str(exc), seconds=time.perf_counter() - started
        )
    result = StackResult(node.step, node.region, node.stack_name, "failed", status=watch.status)
    result.seconds = time.perf_counter() - started
    if watch.status == "DELETE_COMPLETE":
        result.outcome = "deleted"
        result.message = f"deleted {node.stack_name}" + (f" (kept: {', '.join(kept)})" if kept else "")
    else:
        result.reasons = deployer.failure_reasons(watch.events)
        result.message = f"{node.stack_name} ended in {watch.status}"
    return result
