"""Values that are not written down but looked up at deploy time, and the strict YAML that carries them.

Profiles (`params/`) and solutions (`solutions/`) may give a parameter one of
these instead of a literal, as a YAML tag (the same look as CloudFormation's
short-form intrinsics):

    !Output api.HealthEndpointHost          output of step `api`, in the consumer's region
    !Output {Step: api, Region: us-west-2, Output: HealthEndpointHost}
    !Region ebs-snapshot-dr                 the region step `ebs-snapshot-dr` deploys to
    !StackName networking                   the stack name of step `networking`
    !Value DomainName                       a value declared once in the solution's Values
    !Env DEPLOY_BUCKET                      an environment variable (or {Name: ..., Default: ...})
    !SSM /org/network/vpc-id                an SSM parameter

Outside a solution, a step is a template deployed with the same env. Every
reference keeps its file and line, so a problem found offline points at it.
Reading is strict: duplicate keys, unknown tags and anchors that YAML allows
but a profile cannot mean are errors, not guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cfn_catalog.errors import CatalogError

KINDS = ("Output", "Region", "StackName", "Value", "Env", "SSM")
STEP = re.compile(r"^[a-z0-9][a-z0-9-]*$")
OUTPUT = re.compile(r"^[A-Za-z0-9]{1,255}$")
VALUE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SSM_NAME = re.compile(r"^/?[A-Za-z0-9_.\-/]{1,2048}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")


class ReadError(CatalogError):
    """A file that is not valid YAML, or YAML that this file cannot mean."""


@dataclass(frozen=True)
class Ref:
    """One reference: `kind` is one of KINDS; what it names is in the other fields."""

    kind: str
    name: str  # the step (Output, Region, StackName), value, variable or SSM parameter
    output: str = ""  # Output only
    region: Any = None  # Output only: a region code, a !Value reference or None (the consumer's region)
    default: str | None = None  # Env only
    where: str = field(default="", compare=False)  # file:line

    def __str__(self) -> str:
        if self.kind == "Output":
            at = f"@{self.region}" if self.region is not None else ""
            return f"!Output {self.name}{at}.{self.output}"
        return f"!{self.kind} {self.name}"

    @property
    def step(self) -> str | None:
        """The step this reference depends on, if any."""
        return self.name if self.kind in ("Output", "Region", "StackName") else None


def _loader(path: str):
    import yaml

    class StrictLoader(yaml.SafeLoader):
        pass

    def where(node) -> str:
        return f"{path}:{node.start_mark.line + 1}"

    def fail(node, message: str):
        raise ReadError(f"{where(node)}: {message}")

    def mapping(loader, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            fail(node, "expected a mapping")
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                fail(key_node, "merge keys ('<<') are not supported: write the keys out")
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                fail(key_node, "a key must be a plain value")
            if key in seen:
                fail(key_node, f"duplicate key {key!r} (first on line {seen[key]}): YAML keeps only the last one")
            seen[key] = key_node.start_mark.line + 1
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    StrictLoader.add_constructor("tag:yaml.org,2002:map", lambda loader, node: mapping(loader, node, deep=True))

    # YAML 1.1 reads `yes`, `NO` (Norway), `010` (octal 8), `1.10` (1.1) and `0x1F` as something else than
    # their text; a profile value is text for CloudFormation, so such plain scalars must be quoted.
    def boolean(loader, node):
        if node.value not in ("true", "false", "True", "False", "TRUE", "FALSE"):
            fail(node, f"{node.value!r} reads as a boolean in YAML; write true/false, or quote it for the text")
        return yaml.SafeLoader.construct_yaml_bool(loader, node)

    def integer(loader, node):
        value = yaml.SafeLoader.construct_yaml_int(loader, node)
        if str(value) != node.value.lstrip("+"):
            fail(node, f"{node.value!r} reads as the number {value} in YAML; quote it to keep the text")
        return value

    def real(loader, node):
        value = yaml.SafeLoader.construct_yaml_float(loader, node)
        if repr(value) != node.value.lstrip("+") and str(value) != node.value.lstrip("+"):
            fail(node, f"{node.value!r} reads as the number {value!r} in YAML; quote it to keep the text")
        return value

    StrictLoader.add_constructor("tag:yaml.org,2002:bool", boolean)
    StrictLoader.add_constructor("tag:yaml.org,2002:int", integer)
    StrictLoader.add_constructor("tag:yaml.org,2002:float", real)
    StrictLoader.add_constructor(
        "tag:yaml.org,2002:timestamp",
        lambda loader, node: fail(node, f"{node.value!r} reads as a date in YAML; quote it to keep the text"),
    )

    def scalar_or_map(loader, node, keys: tuple[str, ...]) -> str | dict:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.MappingNode):
            data = mapping(loader, node, deep=True)
            unknown = [k for k in data if k not in keys]
            if unknown:
                fail(node, f"{node.tag}: unknown key {unknown[0]!r}; it takes {', '.join(keys)}")
            return data
        fail(node, f"{node.tag} takes a name, not a list")
        raise AssertionError  # unreachable

    def output(loader, node) -> Ref:
        data = scalar_or_map(loader, node, ("Step", "Output", "Region"))
        if isinstance(data, str):
            step, _, name = data.partition(".")
            region = None
            if "@" in step:
                step, _, region = step.partition("@")
            data = {"Step": step, "Output": name, **({"Region": region} if region is not None else {})}
        step, name, region = data.get("Step"), data.get("Output"), data.get("Region")
        if not isinstance(step, str) or not STEP.match(step):
            fail(node, f"!Output needs a step name (lowercase, digits, '-'): got {step!r}; write !Output STEP.OUTPUT")
        if not isinstance(name, str) or not OUTPUT.match(name):
            fail(node, f"!Output needs an output name (letters and digits): got {name!r}; write !Output STEP.OUTPUT")
        is_value = isinstance(region, Ref) and region.kind == "Value"
        if region is not None and not is_value and (not isinstance(region, str) or not REGION.match(region)):
            fail(node, f"!Output: Region {region!r} is not a region code such as us-east-1 (or a !Value)")
        return Ref("Output", step, output=name, region=region, where=where(node))

    def named(kind: str, pattern: re.Pattern, what: str):
        def construct(loader, node) -> Ref:
            if not isinstance(node, yaml.ScalarNode):
                fail(node, f"!{kind} takes {what}")
            value = loader.construct_scalar(node)
            if not pattern.match(value):
                fail(node, f"!{kind} {value!r}: not {what}")
            return Ref(kind, value, where=where(node))

        return construct

    def env(loader, node) -> Ref:
        data = scalar_or_map(loader, node, ("Name", "Default"))
        if isinstance(data, str):
            data = {"Name": data}
        name, default = data.get("Name"), data.get("Default")
        if not isinstance(name, str) or not ENV_VAR.match(name):
            fail(node, f"!Env needs a variable name (letters, digits, '_'): got {name!r}")
        if default is not None and isinstance(default, (list, dict)):
            fail(node, "!Env: Default must be a plain value")
        return Ref("Env", name, default=None if default is None else _plain(default), where=where(node))

    StrictLoader.add_constructor("!Output", output)
    StrictLoader.add_constructor("!Region", named("Region", STEP, "a step name"))
    StrictLoader.add_constructor("!StackName", named("StackName", STEP, "a step name"))
    StrictLoader.add_constructor("!Value", named("Value", VALUE_NAME, "a value name (letters and digits)"))
    StrictLoader.add_constructor("!Env", env)
    StrictLoader.add_constructor("!SSM", named("SSM", SSM_NAME, "an SSM parameter name such as /team/vpc-id"))

    def unknown(loader, suffix, node):
        fail(node, f"unknown tag !{suffix.lstrip('!')}; a value may be !{', !'.join(KINDS)} or a literal")

    StrictLoader.add_multi_constructor("!", unknown)
    StrictLoader.add_multi_constructor("tag:yaml.org,2002:python", unknown)
    return StrictLoader


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def load_yaml(text: str, path: str) -> Any:
    """Parse `text` strictly (see the module docstring); errors name `path:line`."""
    import yaml

    if "&" in text or "*" in text:
        _refuse_aliases(text, path)
    try:
        return yaml.load(text, Loader=_loader(path))  # a SafeLoader subclass
    except ReadError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{path}:{mark.line + 1}" if mark else path
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ReadError(f"{at}: invalid YAML: {problem}") from None


def _refuse_aliases(text: str, path: str) -> None:
    import yaml

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise ReadError(
                    f"{path}:{event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not supported here; "
                    "repeat the value, or declare it once under the solution's Values and use !Value"
                )
    except yaml.YAMLError:
        return  # reported with its line by the real parse


def key_lines(text: str, depth: int = 4) -> dict[str, int]:
    """Line of each top-level key (`@Key`) and of each key below it (`Key.Sub.Leaf`), `depth` levels down."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}

    def walk(mapping, prefix: str, level: int) -> None:
        for key, value in mapping.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            path = f"{prefix}.{key.value}" if prefix else f"@{key.value}"
            lines.setdefault(path, key.start_mark.line + 1)
            if isinstance(value, yaml.MappingNode) and level < depth:
                walk(value, path.lstrip("@"), level + 1)

    if isinstance(node, yaml.MappingNode):
        walk(node, "", 1)
    return lines


def refs_in(value: Any) -> list[Ref]:
    """Every reference in a value (a reference, a per-region mapping of them, or a list)."""
    if isinstance(value, Ref):
        return [value, *refs_in(value.region)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in refs_in(v)]
    if isinstance(value, list):
        return [r for v in value for r in refs_in(v)]
    return []
