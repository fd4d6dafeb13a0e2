"""The `StackSet:` section of a profile: deploy one template to many accounts and regions with StackSets.

    StackSet:
      PermissionModel: SELF_MANAGED          # or SERVICE_MANAGED (AWS Organizations)
      Accounts: ['111122223333']             # SELF_MANAGED targets
      AdministrationRoleName: AWSCloudFormationStackSetAdministrationRole   # optional
      ExecutionRoleName: AWSCloudFormationStackSetExecutionRole             # optional
      OrganizationalUnits: [ou-ab12-cdefgh34]   # SERVICE_MANAGED targets (Accounts + AccountFilter narrow them)
      AutoDeployment: {Enabled: true, RetainStacksOnAccountRemoval: false}  # SERVICE_MANAGED
      Regions: [us-east-1, us-west-2]        # default: the profile's Regions
      OperationPreferences:
        RegionConcurrency: PARALLEL          # or SEQUENTIAL
        MaxConcurrent: 2                     # accounts at once per region: a count or '25%'
        FailureTolerance: 0                  # failed accounts per region before stopping: a count or '10%'
        ConcurrencyMode: STRICT_FAILURE_TOLERANCE   # or SOFT_FAILURE_TOLERANCE
      CallAs: SELF                           # or DELEGATED_ADMIN (from a delegated administrator account)
      Name: org-config                       # default: the profile's StackName, else <template>-<env>

AWS fans the stacks out server-side, with its own concurrency and failure
tolerance, and (service-managed, auto-deployment on) adds accounts that join
an OU later; the client only asks and follows the operations. Everything
here is checked offline with `file:line`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cfn_catalog import inputs
from cfn_catalog.errors import CatalogError

ACCOUNT = inputs.ACCOUNT_ID  # one rule per kind of input
OU = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
ROOT_ID = re.compile(r"^r-[0-9a-z]{4,32}$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
PERCENT = re.compile(r"^(\d{1,3})%$")
KEYS = (
    "PermissionModel",
    "Accounts",
    "OrganizationalUnits",
    "AccountFilter",
    "AdministrationRoleName",
    "ExecutionRoleName",
    "AutoDeployment",
    "Regions",
    "OperationPreferences",
    "CallAs",
    "Name",
)
PREFERENCE_KEYS = ("RegionConcurrency", "MaxConcurrent", "FailureTolerance", "ConcurrencyMode", "RegionOrder")
MODELS = ("SELF_MANAGED", "SERVICE_MANAGED")
FILTERS = ("INTERSECTION", "DIFFERENCE", "UNION")


class StackSetError(CatalogError):
    """A StackSet section that cannot mean what AWS accepts."""


@dataclass
class StackSetSpec:
    permission_model: str
    regions: list[str]
    accounts: list[str] = field(default_factory=list)
    organizational_units: list[str] = field(default_factory=list)
    account_filter: str | None = None
    administration_role: str | None = None
    execution_role: str | None = None
    auto_deployment: dict[str, bool] | None = None
    preferences: dict[str, Any] = field(default_factory=dict)  # as the API takes them
    call_as: str = "SELF"
    name: str | None = None

    @property
    def service_managed(self) -> bool:
        return self.permission_model == "SERVICE_MANAGED"

    def deployment_targets(self) -> dict[str, Any]:
        """`DeploymentTargets` of CreateStackInstances and friends."""
        if not self.service_managed:
            return {"Accounts": list(self.accounts)}
        targets: dict[str, Any] = {"OrganizationalUnitIds": list(self.organizational_units)}
        if self.accounts:
            targets["Accounts"] = list(self.accounts)
            targets["AccountFilterType"] = self.account_filter
        return targets

    def targets_text(self) -> str:
        if not self.service_managed:
            return f"account{'s' * (len(self.accounts) != 1)} {', '.join(self.accounts)}"
        text = f"OU{'s' * (len(self.organizational_units) != 1)} {', '.join(self.organizational_units)}"
        if self.accounts:
            text += f" ({self.account_filter.lower()} accounts {', '.join(self.accounts)})"
        return text


def _count_or_percent(value: Any, label: str, *, low: int) -> tuple[str, int] | str:
    """('Count'|'Percentage', n), or a problem."""
    if isinstance(value, bool):
        return f"{label} must be a count or a percentage such as '25%', not {value!r}"
    if isinstance(value, int):
        if value < low:
            return f"{label} {value} is below {low}"
        return ("Count", value)
    if isinstance(value, str) and (match := PERCENT.match(value)):
        percent = int(match.group(1))
        if not low <= percent <= 100:
            return f"{label} {value} must be between {low}% and 100%"
        return ("Percentage", percent)
    return f"{label} must be a count or a percentage such as '25%', not {value!r}"


def parse(section: Any, *, where: str, lines: dict[str, int], path: str, profile_regions: list[str]) -> StackSetSpec:
    """The StackSet section as a spec; every problem is a StackSetError naming `path:line`."""

    def at(key: str) -> str:
        line = lines.get(f"StackSet.{key}")
        return f"{path}:{line}" if line else where

    def fail(key: str, message: str):
        raise StackSetError(f"{at(key)}: StackSet.{key}: {message}")

    if not isinstance(section, dict):
        raise StackSetError(
            f"{where}: StackSet must be a mapping (PermissionModel, Accounts or OrganizationalUnits, ...)"
        )
    unknown = [k for k in section if k not in KEYS]
    if unknown:
        raise StackSetError(f"{at(str(unknown[0]))}: StackSet: unknown key {unknown[0]!r}; it has {', '.join(KEYS)}")
    model = section.get("PermissionModel", "SELF_MANAGED")
    if model not in MODELS:
        fail("PermissionModel", f"{model!r} is not one of {', '.join(MODELS)}")

    def id_list(key: str, pattern: re.Pattern, what: str) -> list[str]:
        value = section.get(key) or []
        if isinstance(value, (str, int)):
            value = [value]
        if not isinstance(value, list):
            fail(key, f"a list of {what}")
        result = []
        for item in value:
            text = f"{item:012d}" if isinstance(item, int) and key == "Accounts" else str(item)
            if isinstance(item, int) and key == "Accounts" and len(str(item)) < 12:
                fail(key, f"{item} lost its leading zeros to YAML: quote account ids ('{text}')")
            if not pattern.match(text):
                fail(key, f"{text!r} is not {what}")
            result.append(text)
        if len(set(result)) != len(result):
            fail(key, "lists an id twice")
        return result

    accounts = id_list("Accounts", ACCOUNT, "an account id (12 digits)")
    units = id_list(
        "OrganizationalUnits",
        re.compile(f"{OU.pattern}|{ROOT_ID.pattern}"),
        "an OU id such as ou-ab12-cdefgh34 (or a root r-...)",
    )
    account_filter = section.get("AccountFilter")
    auto = section.get("AutoDeployment")
    if model == "SELF_MANAGED":
        if units:
            fail(
                "OrganizationalUnits",
                "SELF_MANAGED stack sets target accounts; OUs need PermissionModel SERVICE_MANAGED",
            )
        if not accounts:
            fail("Accounts", "SELF_MANAGED stack sets need the account ids to deploy to")
        if auto is not None:
            fail("AutoDeployment", "only SERVICE_MANAGED stack sets deploy automatically to accounts joining an OU")
        if account_filter is not None:
            fail("AccountFilter", "only SERVICE_MANAGED stack sets filter OU accounts")
    else:
        if not units:
            fail(
                "OrganizationalUnits",
                "SERVICE_MANAGED stack sets target organizational units (ou-... or the root r-...)",
            )
        for key in ("AdministrationRoleName", "ExecutionRoleName"):
            if key in section:
                fail(key, "SERVICE_MANAGED stack sets use the roles AWS Organizations creates; remove it")
        if accounts and account_filter not in FILTERS:
            fail("AccountFilter", f"with both OUs and Accounts, say how they combine: one of {', '.join(FILTERS)}")
        if not accounts and account_filter is not None:
            fail("AccountFilter", "filters Accounts within the OUs, but no Accounts are listed")
    if auto is not None:
        if not isinstance(auto, dict) or any(k not in ("Enabled", "RetainStacksOnAccountRemoval") for k in auto):
            fail("AutoDeployment", "a mapping of Enabled and RetainStacksOnAccountRemoval (true or false)")
        if not all(isinstance(v, bool) for v in auto.values()) or "Enabled" not in auto:
            fail("AutoDeployment", "Enabled (and RetainStacksOnAccountRemoval) must be true or false")
    roles = {}
    for key in ("AdministrationRoleName", "ExecutionRoleName"):
        value = section.get(key)
        if value is not None and (not isinstance(value, str) or not ROLE_NAME.match(value)):
            fail(key, f"{value!r} is not an IAM role name")
        roles[key] = value
    regions = section.get("Regions", profile_regions) or []
    if isinstance(regions, str):
        regions = [regions]
    if not isinstance(regions, list) or not regions:
        fail("Regions", "the regions to deploy to (or Regions in the profile)")
    for region in regions:
        problem = inputs.region_problem(region)
        if problem:
            fail("Regions", problem)
    preferences = _preferences(section.get("OperationPreferences") or {}, regions, fail)
    call_as = section.get("CallAs", "SELF")
    if call_as not in ("SELF", "DELEGATED_ADMIN"):
        fail("CallAs", f"{call_as!r} is not SELF or DELEGATED_ADMIN")
    if call_as == "DELEGATED_ADMIN" and model != "SERVICE_MANAGED":
        fail("CallAs", "a delegated administrator manages SERVICE_MANAGED stack sets only")
    name = section.get("Name")
    if name is not None and (not isinstance(name, str) or not inputs.STACK_NAME.match(name)):
        fail("Name", f"{name!r} is not a valid stack set name (a letter, then letters, digits and hyphens)")
    return StackSetSpec(
        permission_model=model,
        regions=list(dict.fromkeys(regions)),
        accounts=accounts,
        organizational_units=units,
        account_filter=account_filter,
        administration_role=roles["AdministrationRoleName"],
        execution_role=roles["ExecutionRoleName"],
        auto_deployment=auto,
        preferences=preferences,
        call_as=call_as,
        name=name,
    )


def _preferences(raw: Any, regions: list[str], fail) -> dict[str, Any]:
    if not isinstance(raw, dict):
        fail("OperationPreferences", "a mapping (RegionConcurrency, MaxConcurrent, FailureTolerance, ...)")
    unknown = [k for k in raw if k not in PREFERENCE_KEYS]
    if unknown:
        fail("OperationPreferences", f"unknown key {unknown[0]!r}; it has {', '.join(PREFERENCE_KEYS)}")
    api: dict[str, Any] = {}
    concurrency = raw.get("RegionConcurrency")
    if concurrency is not None:
        if concurrency not in ("PARALLEL", "SEQUENTIAL"):
            fail("OperationPreferences", f"RegionConcurrency {concurrency!r} is not PARALLEL or SEQUENTIAL")
        api["RegionConcurrencyType"] = concurrency
    mode = raw.get("ConcurrencyMode")
    if mode is not None:
        if mode not in ("STRICT_FAILURE_TOLERANCE", "SOFT_FAILURE_TOLERANCE"):
            fail("OperationPreferences", f"ConcurrencyMode {mode!r} is not STRICT_ or SOFT_FAILURE_TOLERANCE")
        api["ConcurrencyMode"] = mode
    order = raw.get("RegionOrder")
    if order is not None:
        if not isinstance(order, list) or sorted(order) != sorted(regions):
            fail(
                "OperationPreferences",
                f"RegionOrder must list the stack set's regions ({', '.join(regions)}) once each",
            )
        api["RegionOrder"] = list(order)
    parsed = {}
    for key, low in (("MaxConcurrent", 1), ("FailureTolerance", 0)):
        if key in raw:
            found = _count_or_percent(raw[key], key, low=low)
            if isinstance(found, str):
                fail("OperationPreferences", found)
            parsed[key] = found
            api[f"{'MaxConcurrent' if key == 'MaxConcurrent' else 'FailureTolerance'}{found[0]}"] = found[1]
    concurrent, tolerance = parsed.get("MaxConcurrent"), parsed.get("FailureTolerance")
    if concurrent and tolerance and concurrent[0] == tolerance[0] and tolerance[1] > concurrent[1]:
        unit = "%" if concurrent[0] == "Percentage" else ""
        fail(
            "OperationPreferences",
            f"FailureTolerance {tolerance[1]}{unit} is above MaxConcurrent {concurrent[1]}{unit}: no more accounts can "
            "fail at once than run at once; lower FailureTolerance or raise MaxConcurrent",
        )
    return api
