"""Parameter profiles: `params/<template>/<env>.yaml`, checked against the template.

A profile is the one source of truth for a stack's parameter values in one
environment; it is exported to the formats the AWS CLI, CodePipeline and
cfn-lint read, and prefilled into Launch Stack links.

    Parameters:            # name -> value (lists may be YAML lists)
      VpcId: vpc-0123456789abcdef0
    Tags:                  # optional, name -> value
      Project: demo
    StackName: demo-api    # optional
    Regions: [us-east-1]   # optional, where `deploy` goes by default
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfn_catalog.errors import CatalogError

PARAMS_DIR = Path("params")
PROFILE_KEYS = ("Parameters", "Tags", "StackName", "Regions")
EXPORT_FORMATS = ("cli", "overrides", "codepipeline", "cfn-lint")
STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# Shapes of AWS-specific parameter types (CloudFormation checks existence; we check form).
AWS_TYPE_SHAPES = {
    "AWS::EC2::VPC::Id": r"vpc-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::Subnet::Id": r"subnet-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::SecurityGroup::Id": r"sg-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::Image::Id": r"ami-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::Instance::Id": r"i-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::Volume::Id": r"vol-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::KeyPair::KeyName": r"[\x20-\x7e]{1,255}",
    "AWS::EC2::AvailabilityZone::Name": r"[a-z]{2}(-gov)?-[a-z]+-\d[a-z]",
    "AWS::EC2::SecurityGroup::GroupName": r"[\x20-\x7e]{1,255}",
    # AWS issues zone ids starting with Z; local emulators (moto) do not, so only the alphabet is checked.
    "AWS::Route53::HostedZone::Id": r"[A-Z0-9]{1,32}",
    "AWS::SSM::Parameter::Name": r"/?[A-Za-z0-9_.\-/]{1,2048}",
}
SSM_VALUE_SHAPE = r"/?[A-Za-z0-9_.\-/]{1,2048}"


class ProfileError(CatalogError):
    """A profile that cannot be read or is not shaped like a profile."""


@dataclass
class Profile:
    template: str
    env: str
    path: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    stack_name: str | None = None
    regions: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # parameter name -> line in the file

    def where(self, name: str | None = None) -> str:
        line = self.lines.get(name) if name else None
        return f"{self.path}:{line}" if line else str(self.path)


def profile_path(template: str, env: str, root: Path = PARAMS_DIR) -> Path:
    return root / template / f"{env}.yaml"


def discover(root: Path = PARAMS_DIR) -> list[tuple[str, str, Path]]:
    """(template, env, path) of every profile under `root`."""
    if not root.is_dir():
        return []
    return [(p.parent.name, p.stem, p) for p in sorted(root.glob("*/*.yaml"))]


def envs(template: str, root: Path = PARAMS_DIR) -> list[str]:
    return sorted(p.stem for p in (root / template).glob("*.yaml"))


def _key_lines(text: str) -> dict[str, int]:
    """Line number of each key under `Parameters:` (best effort, for messages)."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "Parameters" and isinstance(value, yaml.MappingNode):
                for pkey, _ in value.value:
                    lines[str(pkey.value)] = pkey.start_mark.line + 1
            else:
                lines.setdefault(f"@{key.value}", key.start_mark.line + 1)
    return lines


def load(template: str, env: str, root: Path = PARAMS_DIR) -> Profile:
    path = profile_path(template, env, root)
    if not ENV_NAME.match(env):
        raise ProfileError(f"invalid environment name {env!r}: use lowercase letters, digits, '-' and '_'")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = envs(template, root)
        hint = f"; profiles for {template}: {', '.join(known)}" if known else f"; create {path}"
        raise ProfileError(f"no profile {path}{hint}") from None
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc.strerror}") from None
    return parse(text, template=template, env=env, path=path)


def parse(text: str, *, template: str, env: str, path: Path) -> Profile:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProfileError(f"{where}: invalid YAML: {problem}") from None
    lines = _key_lines(text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile is a mapping with a 'Parameters' key, not a {type(data).__name__}")
    unknown = [k for k in data if k not in PROFILE_KEYS]
    if unknown:
        key = unknown[0]
        raise ProfileError(
            f"{path}:{lines.get(f'@{key}', 1)}: unknown key {key!r}; a profile has {', '.join(PROFILE_KEYS)}"
        )
    parameters = data.get("Parameters") or {}
    if not isinstance(parameters, dict):
        raise ProfileError(f"{path}:{lines.get('@Parameters', 1)}: 'Parameters' must map names to values")
    for name, value in parameters.items():
        if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)):
            raise ProfileError(
                f"{path}:{lines.get(str(name), 1)}: Parameters.{name}: a value must be a string, number, "
                "boolean or list of them"
            )
    tags = data.get("Tags") or {}
    if not isinstance(tags, dict) or any(isinstance(v, (dict, list)) for v in tags.values()):
        raise ProfileError(f"{path}:{lines.get('@Tags', 1)}: 'Tags' must map tag keys to string values")
    stack_name = data.get("StackName")
    if stack_name is not None and (not isinstance(stack_name, str) or not STACK_NAME.match(stack_name)):
        raise ProfileError(
            f"{path}:{lines.get('@StackName', 1)}: StackName {stack_name!r} is not a valid stack name "
            "(a letter, then letters, digits and hyphens, at most 128)"
        )
    regions = data.get("Regions") or []
    if isinstance(regions, str):
        regions = [regions]
    if not isinstance(regions, list) or not all(isinstance(r, str) and REGION.match(r) for r in regions):
        raise ProfileError(
            f"{path}:{lines.get('@Regions', 1)}: Regions must be a list of region codes such as us-east-1"
        )
    return Profile(
        template=template,
        env=env,
        path=path,
        parameters={str(k): v for k, v in parameters.items()},
        tags={str(k): _text(v) for k, v in tags.items()},
        stack_name=stack_name,
        regions=list(regions),
        lines=lines,
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def is_list_type(kind: str) -> bool:
    return (
        kind.startswith("List<") or kind == "CommaDelimitedList" or kind.startswith("AWS::SSM::Parameter::Value<List<")
    )


def as_string(value: Any) -> str:
    """A profile value as the string CloudFormation receives (lists comma-joined)."""
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return _text(value)


def _items(value: Any, kind: str) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value]
    text = _text(value)
    return [v.strip() for v in text.split(",")] if is_list_type(kind) and text else [text]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def check_value(name: str, value: Any, spec: dict) -> list[str]:
    """Problems with one value against one parameter declaration (no file context)."""
    kind = spec.get("Type", "String")
    problems = []
    if isinstance(value, list) and not is_list_type(kind):
        return [f"{name}: a list was given but the parameter type is {kind}"]
    items = _items(value, kind)
    if is_list_type(kind) and not items:
        items = []
    element = kind[5:-1] if kind.startswith("List<") else "String"
    for item in items:
        if kind == "Number" or element == "Number":
            number = _number(item)
            if number is None:
                problems.append(f"{name}: {item!r} is not a number")
                continue
            if "MinValue" in spec and number < float(spec["MinValue"]):
                problems.append(f"{name}: {item} is below MinValue {spec['MinValue']}")
            if "MaxValue" in spec and number > float(spec["MaxValue"]):
                problems.append(f"{name}: {item} is above MaxValue {spec['MaxValue']}")
        shape = AWS_TYPE_SHAPES.get(kind) or AWS_TYPE_SHAPES.get(element)
        if kind.startswith("AWS::SSM::Parameter::Value<"):
            shape = SSM_VALUE_SHAPE
        if shape and not re.fullmatch(shape, item):
            problems.append(f"{name}: {item!r} does not look like a {element if element in AWS_TYPE_SHAPES else kind}")
        if "AllowedValues" in spec and item not in [_text(v) for v in spec["AllowedValues"]]:
            allowed = ", ".join(_text(v) for v in spec["AllowedValues"])
            problems.append(f"{name}: {item!r} is not one of the AllowedValues [{allowed}]")
        if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], item):
            hint = spec.get("ConstraintDescription") or f"pattern {spec['AllowedPattern']}"
            problems.append(f"{name}: {item!r} does not match AllowedPattern ({hint})")
        if "MinLength" in spec and len(item) < int(spec["MinLength"]):
            problems.append(f"{name}: {item!r} is shorter than MinLength {spec['MinLength']}")
        if "MaxLength" in spec and len(item) > int(spec["MaxLength"]):
            problems.append(f"{name}: {item!r} is longer than MaxLength {spec['MaxLength']}")
    return problems


def is_no_echo(spec: dict) -> bool:
    return str(spec.get("NoEcho", "false")).lower() == "true"


def validate(profile: Profile, template: dict) -> list[str]:
    """Every problem of `profile` against the rendered `template`, one line each."""
    declared = template.get("Parameters", {})
    problems = []
    for name, value in profile.parameters.items():
        spec = declared.get(name)
        if spec is None:
            import difflib

            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(f"{profile.where(name)}: {name}: not a parameter of {profile.template}{hint}")
        elif is_no_echo(spec):
            problems.append(
                f"{profile.where(name)}: {name}: NoEcho parameters must not be written in a profile; "
                f"pass it at deploy time (environment variable CFN_CATALOG_PARAM_{name}) or keep it in Secrets Manager"
            )
        else:
            problems += [f"{profile.where(name)}: {p}" for p in check_value(name, value, spec)]
    for name, spec in declared.items():
        if "Default" not in spec and name not in profile.parameters and not is_no_echo(spec):
            problems.append(f"{profile.path}: {name}: required (no default) but missing from the profile")
    problems += check_parameter_rules(profile, template)
    return problems


def check_parameter_rules(profile: Profile, template: dict) -> list[str]:
    """Problems with the template's `Metadata.cfn-catalog.ParameterRules` (numbers in order).

    A rule {"Parameter": A, "GreaterThan": B, "Unless": {"Parameter": C, "Equals": v}}
    needs A > B with the profile's values (else the defaults), unless C is v.
    Values that are missing or not numbers are left to the other checks.
    """
    declared = template.get("Parameters", {})
    rules = ((template.get("Metadata") or {}).get("cfn-catalog") or {}).get("ParameterRules") or []

    def value(name: str) -> str | None:
        if name in profile.parameters:
            return as_string(profile.parameters[name])
        default = declared.get(name, {}).get("Default")
        return None if default is None else _text(default)

    problems = []
    for rule in rules:
        name, other, unless = rule["Parameter"], rule["GreaterThan"], rule.get("Unless")
        if unless and value(unless["Parameter"]) == _text(unless["Equals"]):
            continue
        left, right = value(name), value(other)
        if left is None or right is None or _number(left) is None or _number(right) is None:
            continue
        if _number(left) <= _number(right):
            where = profile.where(name if name in profile.lines else other)
            problems.append(f"{where}: {name}: {left} must be greater than {other} ({right})")
    return problems


def values(profile: Profile) -> dict[str, str]:
    """The profile's parameters as the strings CloudFormation receives."""
    return {name: as_string(value) for name, value in profile.parameters.items()}


def export(profile: Profile, fmt: str) -> str:
    """The profile in the format `fmt` reads (see EXPORT_FORMATS)."""
    params = values(profile)
    if fmt in ("cli", "cfn-lint"):
        data: Any = [{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()]
    elif fmt == "overrides":
        data = [f"{k}={v}" for k, v in params.items()]
    elif fmt == "codepipeline":
        data = {"Parameters": params}
        if profile.tags:
            data["Tags"] = profile.tags
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def check_all(root: Path, names: list[str], *, require_example: bool) -> list[str]:
    """Problems of every profile under `root` for the templates `names`."""
    from cfn_catalog import catalog

    problems = []
    found = discover(root)
    known = set(catalog.names())
    for template, env, path in found:
        if template not in known:
            problems.append(f"{path}: no template named {template!r} (rename or remove the folder)")
            continue
        if template not in names:
            continue
        try:
            profile = load(template, env, root)
        except ProfileError as exc:
            problems.append(str(exc))
            continue
        problems += validate(profile, catalog.template_dict(template))
    if require_example:
        with_example = {t for t, env, _ in found if env == "example"}
        problems += [
            f"{profile_path(t, 'example', root)}: missing (every template ships an example profile)"
            for t in names
            if t not in with_example
        ]
    return problems
