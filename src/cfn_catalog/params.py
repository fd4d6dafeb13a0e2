"""Parameter profiles: `params/<template>/<env>.yaml`, checked against the template.

A profile is the one source of truth for a stack's parameter values in one
environment; it is exported to the formats the AWS CLI, CodePipeline and
cfn-lint read, and prefilled into Launch Stack links.

    Extends: base          # optional: start from params/<template>/base.yaml, override what differs
    Parameters:            # name -> value (lists may be YAML lists)
      VpcId: vpc-0123456789abcdef0
      CertificateArn:      # a value per region: a mapping keyed by region code
        us-east-1: arn:aws:acm:us-east-1:111122223333:certificate/...
        us-west-2: arn:aws:acm:us-west-2:111122223333:certificate/...
      ApiHost: !Output helloworld-api.HealthEndpointHost   # looked up at deploy time (see references.py)
    Tags:                  # optional, name -> value
      Project: demo
    StackName: demo-api    # optional
    Regions: [us-east-1]   # optional, where `deploy` goes by default
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cfn_catalog import inputs
from cfn_catalog.errors import CatalogError
from cfn_catalog.references import ReadError, Ref, key_lines, load_yaml, refs_in

PARAMS_DIR = Path("params")
PROFILE_KEYS = ("Extends", "Parameters", "Tags", "StackName", "Regions", "StackSet")
EXPORT_FORMATS = ("cli", "overrides", "codepipeline", "cfn-lint")
STACK_NAME = inputs.STACK_NAME
REGION = inputs.REGION_SHAPE
ENV_NAME = inputs.ENV_NAME
# AWS limits on stack tags: 128-character keys, 256-character values, at most 50 tags, no aws: prefix.
MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE = 50, 128, 256

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


Resolver = Callable[[Ref, str | None, str], str]  # (reference, consumer's region, parameter) -> value


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
    origins: dict[str, str] = field(default_factory=dict)  # parameter name -> file:line (inherited ones too)
    extends: str | None = None
    stack_set: Any = None  # a stacksets.StackSetSpec when the profile deploys through StackSets

    def where(self, name: str | None = None) -> str:
        if name and name in self.origins:
            return self.origins[name]
        line = self.lines.get(name) if name else None
        return f"{self.path}:{line}" if line else str(self.path)

    def for_region(self, region: str) -> Profile:
        """The profile as one region sees it: per-region values collapsed (a region without one: no value)."""
        parameters = {}
        for name, value in self.parameters.items():
            if is_per_region(value):
                if region in value:
                    parameters[name] = value[region]
            else:
                parameters[name] = value
        return replace(self, parameters=parameters)


def is_per_region(value: Any) -> bool:
    return isinstance(value, dict)


def empty(template: str, env: str, root: Path = PARAMS_DIR) -> Profile:
    """The profile a template without a file for `env` has: template defaults only."""
    return Profile(template=template, env=env, path=profile_path(template, env, root))


def profile_path(template: str, env: str, root: Path = PARAMS_DIR) -> Path:
    return root / template / f"{env}.yaml"


def discover(root: Path = PARAMS_DIR) -> list[tuple[str, str, Path]]:
    """(template, env, path) of every profile under `root`."""
    if not root.is_dir():
        return []
    return [(p.parent.name, p.stem, p) for p in sorted(root.glob("*/*.yaml"))]


def envs(template: str, root: Path = PARAMS_DIR) -> list[str]:
    return sorted(p.stem for p in (root / template).glob("*.yaml"))


def exists(template: str, env: str, root: Path = PARAMS_DIR) -> bool:
    return bool(ENV_NAME.match(env)) and profile_path(template, env, root).is_file()


def load(template: str, env: str, root: Path = PARAMS_DIR, *, _chain: tuple[str, ...] = ()) -> Profile:
    """Read a profile and the profiles it extends (the env's own values win)."""
    path = profile_path(template, env, root)
    if not ENV_NAME.match(env):
        raise ProfileError(f"invalid environment name {env!r}: use lowercase letters, digits, '-' and '_'")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = envs(template, root)
        hint = f"; profiles for {template}: {', '.join(known)}" if known else f"; create {path}"
        if _chain:
            raise ProfileError(
                f"{profile_path(template, _chain[-1], root)}: Extends {env!r}, but {path} does not exist"
            ) from None
        raise ProfileError(f"no profile {path}{hint}") from None
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc.strerror}") from None
    profile = parse(text, template=template, env=env, path=path)
    if profile.extends is None:
        return profile
    if profile.extends in (*_chain, env):
        cycle = " -> ".join((*_chain, env, profile.extends))
        raise ProfileError(
            f"{profile.where('@Extends')}: Extends forms a cycle ({cycle}); one profile must stand alone"
        )
    base = load(template, profile.extends, root, _chain=(*_chain, env))
    return merge(base, profile)


def merge(base: Profile, own: Profile) -> Profile:
    """`own` over `base`: parameters and tags key by key, StackName and Regions when given."""
    return replace(
        own,
        parameters={**base.parameters, **own.parameters},
        tags={**base.tags, **own.tags},
        stack_name=own.stack_name or base.stack_name,
        regions=own.regions or base.regions,
        origins={**base.origins, **own.origins},
        stack_set=own.stack_set or base.stack_set,
    )


def _check_value_shape(name: str, value: Any, where: str) -> None:
    def plain(v: Any) -> bool:
        return v is None or isinstance(v, (str, int, float, bool))

    def single(v: Any) -> bool:
        return plain(v) or isinstance(v, Ref) or (isinstance(v, list) and all(plain(x) for x in v))

    if isinstance(value, Ref):
        if value.kind == "Value":
            raise ProfileError(f"{value.where}: {name}: !Value names a solution value and is only valid in solutions/")
        return
    if isinstance(value, dict):
        for region, item in value.items():
            problem = inputs.region_problem(region)
            if problem:
                raise ProfileError(f"{where}: Parameters.{name}: a mapping gives one value per region, and {problem}")
            if not single(item) or isinstance(item, dict):
                raise ProfileError(
                    f"{where}: Parameters.{name}.{region}: a value must be a string, number, boolean or list of them"
                )
            _check_value_shape(name, item, where)
        return
    if not single(value):
        raise ProfileError(
            f"{where}: Parameters.{name}: a value must be a string, number, boolean or list of them "
            "(or a mapping of region to value)"
        )


def parse(text: str, *, template: str, env: str, path: Path) -> Profile:
    try:
        data = load_yaml(text, str(path))
    except ReadError as exc:
        raise ProfileError(str(exc)) from None
    found = key_lines(text)
    lines = {k.split(".", 1)[1]: v for k, v in found.items() if k.startswith("Parameters.") and k.count(".") == 1}
    lines.update({k: v for k, v in found.items() if k.startswith("@")})
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
        _check_value_shape(str(name), value, f"{path}:{lines.get(str(name), 1)}")
    tags = data.get("Tags") or {}
    if not isinstance(tags, dict) or any(isinstance(v, (dict, list, Ref)) for v in tags.values()):
        raise ProfileError(f"{path}:{lines.get('@Tags', 1)}: 'Tags' must map tag keys to string values")
    _check_tags(tags, path, found)
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
    for region in regions:
        problem = inputs.region_problem(region)
        if problem:
            raise ProfileError(f"{path}:{lines.get('@Regions', 1)}: Regions: {problem}")
    extends = data.get("Extends")
    if extends is not None and (not isinstance(extends, str) or not ENV_NAME.match(extends)):
        raise ProfileError(
            f"{path}:{lines.get('@Extends', 1)}: Extends names another env of {template} (e.g. Extends: base), "
            f"not {extends!r}"
        )
    parameters = {str(k): v for k, v in parameters.items()}
    stack_set = None
    if "StackSet" in data:
        from cfn_catalog import stacksets

        try:
            stack_set = stacksets.parse(
                data["StackSet"],
                where=f"{path}:{lines.get('@StackSet', 1)}",
                lines=found,
                path=str(path),
                profile_regions=list(regions),
            )
        except stacksets.StackSetError as exc:
            raise ProfileError(str(exc)) from None
    return Profile(
        template=template,
        env=env,
        path=path,
        parameters=parameters,
        tags={str(k): _text(v) for k, v in tags.items()},
        stack_name=stack_name,
        regions=list(dict.fromkeys(regions)),
        lines=lines,
        origins={name: f"{path}:{lines[name]}" for name in parameters if name in lines},
        extends=extends,
        stack_set=stack_set,
    )


def _check_tags(tags: dict, path: Path, found: dict[str, int]) -> None:
    if len(tags) > MAX_TAGS:
        raise ProfileError(f"{path}:{found.get('@Tags', 1)}: {len(tags)} tags; a stack takes at most {MAX_TAGS}")
    for key, value in tags.items():
        at = f"{path}:{found.get(f'Tags.{key}', found.get('@Tags', 1))}"
        key = str(key)
        if not key or len(key) > MAX_TAG_KEY:
            raise ProfileError(f"{at}: tag key {key!r} must be 1 to {MAX_TAG_KEY} characters")
        if key.lower().startswith("aws:"):
            raise ProfileError(f"{at}: tag key {key!r}: the aws: prefix is reserved by AWS")
        if len(_text(value)) > MAX_TAG_VALUE:
            raise ProfileError(f"{at}: tag {key}: the value is over {MAX_TAG_VALUE} characters")


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


def _check_literal(name: str, value: Any, spec: dict) -> list[str]:
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


def validate(profile: Profile, template: dict, regions: list[str] | None = None) -> list[str]:
    """Every problem of `profile` against the rendered `template`, one line each.

    `regions`: where the profile is deployed (default: its Regions); a value
    per region must cover each of them (unless the parameter has a default)
    and name no other. References are checked for their form here and for
    what they name by `check_references` or a solution's plan.
    """
    declared = template.get("Parameters", {})
    if regions is None:
        regions = profile.stack_set.regions if profile.stack_set else profile.regions
    regions = list(regions)
    problems = []
    for name, value in profile.parameters.items():
        spec = declared.get(name)
        where = profile.where(name)
        if spec is None:
            import difflib

            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(f"{where}: {name}: not a parameter of {profile.template}{hint}")
        elif is_no_echo(spec):
            problems.append(
                f"{where}: {name}: NoEcho parameters must not be written in a profile; "
                f"pass it at deploy time (environment variable CFN_CATALOG_PARAM_{name}) or keep it in Secrets Manager"
            )
        elif is_per_region(value):
            others = [r for r in value if regions and r not in regions]
            if others:
                problems.append(
                    f"{where}: {name}: a value for {', '.join(others)}, which this profile does not deploy to "
                    f"(regions: {', '.join(regions)}); remove it or add the region"
                )
            missing = [r for r in regions if r not in value]
            if missing and "Default" not in spec:
                problems.append(f"{where}: {name}: no value for {', '.join(missing)} (and no default)")
            for region, item in value.items():
                problems += [f"{where}: [{region}] {p}" for p in check_value(name, item, spec)]
        else:
            problems += [f"{where}: {p}" for p in check_value(name, value, spec)]
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


def check_value(name: str, value: Any, spec: dict) -> list[str]:
    """Problems with one value against one parameter declaration (no file context).

    A reference is checked when it is looked up; only its fit is checked here
    (a list parameter cannot take a single region name, say).
    """
    if isinstance(value, Ref):
        if value.kind in ("Region", "StackName") and spec.get("Type", "String") == "Number":
            return [f"{name}: {value} gives a name, but the parameter type is Number"]
        return []
    return _check_literal(name, value, spec)


def check_references(profile: Profile, root: Path = PARAMS_DIR) -> list[str]:
    """What a profile's references name must exist: outside a solution, a step is a template of the same env."""
    from cfn_catalog import catalog

    problems = []
    known = set(catalog.names())
    for name, value in profile.parameters.items():
        for ref in refs_in(value):
            if ref.step is None:
                continue
            if ref.step not in known:
                problems.append(f"{ref.where}: {name}: {ref} names no template (see 'cfn-catalog list')")
                continue
            if ref.kind == "Output":
                outputs = catalog.template_dict(ref.step).get("Outputs", {})
                if ref.output not in outputs:
                    problems.append(
                        f"{ref.where}: {name}: {ref.step} has no output {ref.output!r}; it has {', '.join(outputs) or 'none'}"
                    )
    return problems


def values(profile: Profile, region: str | None = None, resolve: Resolver | None = None) -> dict[str, str]:
    """The profile's parameters as the strings CloudFormation receives, for `region`.

    A reference is looked up with `resolve`; without one it is an error naming it.
    """
    result = {}
    for name, value in profile.parameters.items():
        if is_per_region(value):
            if region is None:
                raise ProfileError(f"{profile.where(name)}: {name} has a value per region: choose one with --region")
            if region not in value:
                continue
            value = value[region]
        if isinstance(value, Ref):
            if resolve is None:
                raise ProfileError(
                    f"{profile.where(name)}: {name} is {value}, looked up at deploy time; "
                    "'cfn-catalog deploy' or 'cfn-catalog solution deploy' resolves it"
                )
            result[name] = resolve(value, region, name)
        else:
            result[name] = as_string(value)
    return result


def export(profile: Profile, fmt: str, region: str | None = None, resolve: Resolver | None = None) -> str:
    """The profile in the format `fmt` reads (see EXPORT_FORMATS)."""
    params = values(profile, region, resolve)
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
        problems += check_references(profile, root)
    if require_example:
        with_example = {t for t, env, _ in found if env == "example"}
        problems += [
            f"{profile_path(t, 'example', root)}: missing (every template ships an example profile)"
            for t in names
            if t not in with_example
        ]
    return problems
