"""Template and resource metadata: console parameter groups, accepted findings."""

from __future__ import annotations

from collections.abc import Sequence

from troposphere import AWSObject, Parameter, Template


def interface(
    t: Template,
    groups: Sequence[tuple[str, Sequence[Parameter]]],
    labels: dict[str, str] | None = None,
) -> None:
    """Group and label parameters in the console (`AWS::CloudFormation::Interface`).

    Every parameter must be in exactly one group; a parameter without an
    explicit label is labelled with its own name.
    """
    grouped = [p.title for _, params in groups for p in params]
    missing = sorted(set(t.parameters) - set(grouped))
    duplicated = sorted({name for name in grouped if grouped.count(name) > 1})
    unknown = sorted(set(grouped) - set(t.parameters))
    if missing or duplicated or unknown:
        raise ValueError(
            f"parameter groups must cover each parameter once: missing={missing} "
            f"duplicated={duplicated} unknown={unknown}"
        )
    labels = labels or {}
    metadata = dict(t.metadata or {})
    metadata["AWS::CloudFormation::Interface"] = {
        "ParameterGroups": [
            {"Label": {"default": label}, "Parameters": [p.title for p in params]} for label, params in groups
        ],
        "ParameterLabels": {name: {"default": labels.get(name, name)} for name in grouped},
    }
    t.set_metadata(metadata)


def accept_findings(
    resource: AWSObject,
    *,
    checkov: dict[str, str] | None = None,
    cfn_lint: dict[str, str] | None = None,
) -> AWSObject:
    """Record accepted scanner findings, each with the reason it is accepted.

    checkov reads `Metadata.checkov.skip[].{id,comment}`; cfn-lint reads
    `Metadata.cfn-lint.config.ignore_checks` (it has no place for a reason, so
    the reasons are kept beside it under `reasons`).
    """
    metadata = dict(getattr(resource, "Metadata", {}) or {})
    if checkov:
        skips = list(metadata.get("checkov", {}).get("skip", []))
        skips += [{"id": check, "comment": reason} for check, reason in sorted(checkov.items())]
        metadata["checkov"] = {"skip": skips}
    if cfn_lint:
        config = metadata.get("cfn-lint", {}).get("config", {})
        ignored = list(config.get("ignore_checks", [])) + sorted(cfn_lint)
        reasons = dict(metadata.get("cfn-lint", {}).get("reasons", {}), **cfn_lint)
        metadata["cfn-lint"] = {"config": {"ignore_checks": ignored}, "reasons": reasons}
    resource.Metadata = metadata
    return resource


def parameter_order_rule(
    t: Template,
    parameter: Parameter,
    *,
    greater_than: Parameter,
    unless: tuple[Parameter, object] | None = None,
) -> dict:
    """Declare that `parameter` must be greater than `greater_than` (numbers), for `params --check`.

    CloudFormation Rules cannot compare numbers, so the rule is recorded in the
    template's `Metadata.cfn-catalog.ParameterRules` and profiles are checked
    offline (`cfn_catalog.params.check_parameter_rules`). With `unless=(P, v)`
    the rule does not apply when parameter P has the value v.
    """
    rule: dict = {"Parameter": parameter.title, "GreaterThan": greater_than.title}
    if unless is not None:
        rule["Unless"] = {"Parameter": unless[0].title, "Equals": unless[1]}
    metadata = dict(t.metadata or {})
    own = dict(metadata.get("cfn-catalog") or {})
    own["ParameterRules"] = [*own.get("ParameterRules", []), rule]
    metadata["cfn-catalog"] = own
    t.set_metadata(metadata)
    return rule
