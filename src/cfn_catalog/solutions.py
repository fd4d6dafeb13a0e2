"""Solutions: several catalog templates, in one or more regions, wired by each other's outputs.

A solution is `solutions/<name>.yaml`:

    Description: Multi-region hello-world API with latency failover
    Values:                              # declared once, used as !Value Name
      PrimaryRegion: us-east-1
    Envs:                                # optional: Values that differ per --env
      prod: {PrimaryRegion: eu-west-1}
    Steps:
      api:                               # step name; Template defaults to it
        Template: helloworld-api
        Regions: [!Value PrimaryRegion, us-west-2]   # or Region: (one); default: the profile's
        Env: example                     # optional profile env (default: the solution's --env)
        StackName: hello-api             # optional (default: the profile's, else <template>-<env>)
        Parameters:                      # over the profile params/<template>/<env>.yaml
          CertificateArn: !Output certificate.CertificateArn
        DependsOn: [artifacts]           # order without a value

`plan()` turns a solution and an env into stacks (one per step and region)
and waves, and proves offline what can be proved: every step, template,
output and region exists, values fit their parameters, there is no cycle, a
global template is deployed once, no two steps share a stack. Only outputs,
environment variables and SSM parameters are left for deploy time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from cfn_catalog import inputs, params, wording
from cfn_catalog.errors import CatalogError, UsageError
from cfn_catalog.references import ReadError, Ref, key_lines, load_yaml

SOLUTIONS_DIR = Path("solutions")
SOLUTION_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SOLUTION_KEYS = ("Description", "Values", "Envs", "Steps")
STEP_KEYS = ("Template", "Env", "Region", "Regions", "StackName", "Parameters", "DependsOn")

Key = tuple[str, str]  # (step, region): one stack


class SolutionError(CatalogError):
    """A solution file that cannot be read or planned; `problems` holds every line found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more)


class UnknownSolution(UsageError):
    pass


# ---------------------------------------------------------------- the file


@dataclass
class Step:
    name: str
    template: str
    where: str  # file:line of the step
    env: str | None = None
    regions: list[Any] = field(default_factory=list)  # region codes or !Value references
    stack_name: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    lines: dict[str, str] = field(default_factory=dict)  # parameter -> file:line


@dataclass
class Solution:
    name: str
    path: Path
    description: str
    values: dict[str, Any]
    envs: dict[str, dict[str, Any]]
    steps: dict[str, Step]
    lines: dict[str, int]

    def where(self, key: str) -> str:
        return f"{self.path}:{self.lines.get(key, 1)}"

    def values_for(self, env: str) -> dict[str, Any]:
        return {**self.values, **self.envs.get(env, {})}


def discover(root: Path = SOLUTIONS_DIR) -> list[str]:
    return sorted(p.stem for p in root.glob("*.yaml")) if root.is_dir() else []


def path_of(name: str, root: Path = SOLUTIONS_DIR) -> Path:
    return root / f"{name}.yaml"


def load(name: str, root: Path = SOLUTIONS_DIR) -> Solution:
    if not SOLUTION_NAME.match(name):
        raise UsageError(f"invalid solution name {name!r}: use lowercase letters, digits and '-'")
    path = path_of(name, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        import difflib

        known = discover(root)
        close = difflib.get_close_matches(name, known, n=2)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownSolution(f"unknown solution {name!r}{hint} (see 'cfn-catalog solution list')") from None
    except OSError as exc:
        raise SolutionError([f"cannot read {path}: {exc.strerror}"]) from None
    return parse(text, name=name, path=path)


@cache
def _parsed(name: str, root: Path) -> Solution:
    return load(name, root)


def parse(text: str, *, name: str, path: Path) -> Solution:
    try:
        data = load_yaml(text, str(path))
    except ReadError as exc:
        raise SolutionError([str(exc)]) from None
    lines = key_lines(text)

    def at(key: str) -> str:
        return f"{path}:{lines.get(key, 1)}"

    if not isinstance(data, dict):
        raise SolutionError([f"{path}: a solution is a mapping with Description and Steps"])
    problems = [
        f"{at('@' + str(k))}: unknown key {k!r}; a solution has {', '.join(SOLUTION_KEYS)}"
        for k in data
        if k not in SOLUTION_KEYS
    ]
    description = data.get("Description")
    if not isinstance(description, str) or not description.strip():
        problems.append(f"{at('@Description')}: Description: say in a sentence what the solution builds")
    values = data.get("Values") or {}
    if not isinstance(values, dict):
        problems.append(f"{at('@Values')}: Values must map names to values")
        values = {}
    for key, value in values.items():
        problems += _value_problems(f"Values.{key}", key, value, at(f"Values.{key}"))
    envs = data.get("Envs") or {}
    if not isinstance(envs, dict) or not all(isinstance(v, dict) for v in envs.values()):
        problems.append(f"{at('@Envs')}: Envs must map env names to Values overrides")
        envs = {}
    for env, overrides in envs.items():
        if not isinstance(env, str) or not params.ENV_NAME.match(env):
            problems.append(f"{at(f'Envs.{env}')}: {env!r} is not an env name (lowercase letters, digits, '-', '_')")
        for key, value in overrides.items():
            if key not in values:
                problems.append(f"{at(f'Envs.{env}')}: Envs.{env}.{key}: no such value; declare it under Values first")
            problems += _value_problems(f"Envs.{env}.{key}", key, value, at(f"Envs.{env}"))
    raw_steps = data.get("Steps")
    steps: dict[str, Step] = {}
    if not isinstance(raw_steps, dict) or not raw_steps:
        problems.append(f"{at('@Steps')}: Steps must map step names to steps (at least one)")
        raw_steps = {}
    for step_name, raw in raw_steps.items():
        step, found = _parse_step(str(step_name), raw, at, lines, path)
        problems += found
        if step:
            steps[step.name] = step
    if problems:
        raise SolutionError(problems)
    return Solution(
        name=name,
        path=path,
        description=description.strip(),
        values=values,
        envs=envs,
        steps=steps,
        lines=lines,
    )


def _value_problems(label: str, key: Any, value: Any, where: str) -> list[str]:
    if not isinstance(key, str) or not re.match(r"^[A-Za-z][A-Za-z0-9]*$", key):
        return [f"{where}: {label}: a value name is letters and digits"]
    if isinstance(value, Ref) and value.kind not in ("Env", "SSM"):
        return [f"{where}: {label}: a value may be a literal, !Env or !SSM, not {value}"]
    if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list, Ref)) for v in value)):
        return [f"{where}: {label}: a value is a string, number, boolean or list of them"]
    return []


def _parse_step(name: str, raw: Any, at, lines: dict[str, int], path: Path) -> tuple[Step | None, list[str]]:
    where = at(f"Steps.{name}")
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", name):
        return None, [f"{where}: step {name!r}: a step name is lowercase letters, digits and '-'"]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return None, [f"{where}: step {name}: a step is a mapping (Template, Regions, Parameters, ...)"]
    problems = [
        f"{where}: step {name}: unknown key {k!r}; a step has {', '.join(STEP_KEYS)}" for k in raw if k not in STEP_KEYS
    ]
    template = raw.get("Template", name)
    if not isinstance(template, str):
        problems.append(f"{where}: step {name}: Template must be a template name")
        template = name
    env = raw.get("Env")
    if env is not None and (not isinstance(env, str) or not params.ENV_NAME.match(env)):
        problems.append(f"{where}: step {name}: Env {env!r} is not an env name")
    if "Region" in raw and "Regions" in raw:
        problems.append(f"{where}: step {name}: give Region (one) or Regions (a list), not both")
    regions = raw.get("Regions", raw.get("Region"))
    regions = [] if regions is None else regions if isinstance(regions, list) else [regions]
    for region in regions:  # region codes are checked by the plan, once !Value references are replaced
        if isinstance(region, Ref) and region.kind != "Value":
            problems.append(f"{region.where}: step {name}: a region is a region code or a !Value, not {region}")
    stack_name = raw.get("StackName")
    if stack_name is not None and (not isinstance(stack_name, str) or not inputs.STACK_NAME.match(stack_name)):
        problems.append(f"{where}: step {name}: StackName {stack_name!r} is not a valid stack name")
    parameters = raw.get("Parameters") or {}
    step_lines: dict[str, str] = {}
    if not isinstance(parameters, dict):
        problems.append(f"{where}: step {name}: Parameters must map names to values")
        parameters = {}
    for key, value in parameters.items():
        step_lines[str(key)] = (
            at(f"Steps.{name}.Parameters.{key}") if f"Steps.{name}.Parameters.{key}" in lines else where
        )
        if isinstance(value, dict):
            for region, item in value.items():
                if not isinstance(region, Ref):
                    problem = inputs.region_problem(region)
                    if problem:
                        problems.append(
                            f"{step_lines[str(key)]}: {key}: a mapping gives one value per region: {problem}"
                        )
                if isinstance(item, dict) or (isinstance(item, list) and not _plain_list(item)):
                    problems.append(f"{step_lines[str(key)]}: {key}.{region}: a value must be plain or a reference")
        elif isinstance(value, list) and not _plain_list(value):
            problems.append(f"{step_lines[str(key)]}: {key}: a list holds plain values only")
    depends = raw.get("DependsOn") or []
    depends = [depends] if isinstance(depends, str) else depends
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        problems.append(f"{where}: step {name}: DependsOn lists step names")
        depends = []
    step = Step(
        name=name,
        template=template,
        where=where,
        env=env if isinstance(env, str) else None,
        regions=regions,
        stack_name=stack_name if isinstance(stack_name, str) else None,
        parameters={str(k): v for k, v in parameters.items()},
        depends_on=list(depends),
        lines=step_lines,
    )
    return step, problems


def _plain_list(value: list) -> bool:
    return all(v is None or isinstance(v, (str, int, float, bool, Ref)) for v in value)


# ---------------------------------------------------------------- the plan


@dataclass
class Source:
    """Where one parameter's value comes from, for `plan` and the docs."""

    kind: str  # solution, profile, default, output, region, stack-name, env, ssm, no-echo
    text: str  # how plan shows it
    where: str = ""
    step: str = ""  # the step it comes from (output, region, stack-name)


@dataclass
class Node:
    """One stack: a step in one region."""

    step: str
    template: str
    env: str
    region: str
    stack_name: str
    profile: params.Profile  # this region's values; references left: Output, Env, SSM
    sources: dict[str, Source]
    needs: set[Key] = field(default_factory=set)
    stack_set: Any = None  # a stacksets.StackSetSpec: the step is one stack set over its regions and targets

    @property
    def key(self) -> Key:
        return (self.step, self.region)

    @property
    def label(self) -> str:
        return f"{self.step}@stack-set" if self.stack_set else f"{self.step}@{self.region}"


@dataclass
class Plan:
    solution: Solution
    env: str
    nodes: dict[Key, Node]
    waves: list[list[Key]]

    def order(self) -> list[Key]:
        return [key for wave in self.waves for key in wave]


def check_all(root: Path = SOLUTIONS_DIR, *, params_dir: Path = params.PARAMS_DIR) -> list[str]:
    """Problems of every solution, planned for the example env and each env it declares."""
    problems: list[str] = []
    for name in discover(root):
        try:
            solution = load(name, root)
        except CatalogError as exc:
            problems += getattr(exc, "problems", [str(exc)])
            continue
        for env in ("example", *solution.envs):
            try:
                plan_solution(solution, env, params_dir=params_dir)
            except SolutionError as exc:
                problems += [f"{p} (env {env})" for p in exc.problems]
    return list(dict.fromkeys(problems))


def plan(name: str, env: str, *, root: Path = SOLUTIONS_DIR, params_dir: Path = params.PARAMS_DIR) -> Plan:
    """Every stack of solution `name` for `env`, checked offline; raises SolutionError listing every problem."""
    inputs.check_env(env)
    solution = load(name, root)
    return plan_solution(solution, env, params_dir=params_dir)


def plan_solution(solution: Solution, env: str, *, params_dir: Path = params.PARAMS_DIR) -> Plan:
    return _Planner(solution, env, params_dir).plan()


class _Planner:
    """One pass over a solution: every problem is collected, then raised together."""

    def __init__(self, solution: Solution, env: str, params_dir: Path):
        from cfn_catalog import catalog

        self.catalog = catalog
        self.solution = solution
        self.env = env
        self.params_dir = params_dir
        self.values = solution.values_for(env)
        self.problems: list[str] = []
        self.profiles: dict[str, params.Profile] = {}
        self.regions_of: dict[str, list[str]] = {}
        self.stack_of: dict[str, str] = {}
        self.stack_sets: dict[str, Any] = {}  # step -> StackSetSpec, for steps whose profile deploys a stack set
        self.by_template: dict[str, list[str]] = {}
        for step in solution.steps.values():
            self.by_template.setdefault(step.template, []).append(step.name)

    def plan(self) -> Plan:
        for step in self.solution.steps.values():
            self.place(step)
        nodes: dict[Key, Node] = {}
        for step in self.solution.steps.values():
            if step.name in self.regions_of:
                for region in self.regions_of[step.name]:
                    node = self.node(step, region)
                    nodes[node.key] = node
        self.check_stacks(nodes)
        waves = self.waves(nodes)
        if self.problems:
            raise SolutionError(list(dict.fromkeys(self.problems)))
        return Plan(solution=self.solution, env=self.env, nodes=nodes, waves=waves)

    # -- values

    def substitute(self, value: Any, where: str) -> Any:
        """!Value references replaced by the solution's values."""
        if isinstance(value, Ref):
            if value.kind == "Value":
                if value.name not in self.values:
                    declared = ", ".join(self.values) or "none"
                    self.problems.append(f"{value.where or where}: {value}: no such value (Values: {declared})")
                    return value
                return self.values[value.name]
            if value.kind == "Output" and isinstance(value.region, Ref):
                return replace(value, region=self.substitute(value.region, where))
            return value
        if isinstance(value, dict):
            return {self.substitute(k, where): self.substitute(v, where) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v, where) for v in value]
        return value

    # -- steps

    def place(self, step: Step) -> None:
        """The step's template, profile, regions and stack name."""
        known = self.catalog.names()
        if step.template not in known:
            import difflib

            close = difflib.get_close_matches(step.template, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else " (see 'cfn-catalog list')"
            self.problems.append(f"{step.where}: step {step.name}: unknown template {step.template!r}{hint}")
            return
        step_env = step.env or self.env
        try:
            profile = (
                params.load(step.template, step_env, self.params_dir)
                if params.exists(step.template, step_env, self.params_dir)
                else params.empty(step.template, step_env, self.params_dir)
            )
        except params.ProfileError as exc:
            self.problems.append(str(exc))
            return
        if profile.stack_set is not None:
            self.place_stack_set(step, profile, step_env)
            return
        regions = []
        for region in self.substitute(step.regions, step.where):
            problem = f"{region} cannot be a region" if isinstance(region, Ref) else inputs.region_problem(region)
            if problem:
                self.problems.append(f"{step.where}: step {step.name}: {problem}")
            else:
                regions.append(region)
        regions = list(dict.fromkeys(regions or ([] if step.regions else profile.regions)))
        if not regions:
            if not step.regions:
                self.problems.append(
                    f"{step.where}: step {step.name}: no region: give Region or Regions, or Regions in {profile.path}"
                )
            return
        if self.catalog.is_global(step.template) and len(regions) > 1:
            self.problems.append(
                f"{step.where}: step {step.name}: {step.template} is global (only Route 53, IAM or CloudFront "
                f"resources) and is deployed once: give one Region, not {', '.join(regions)}"
            )
            regions = regions[:1]
        try:
            self.stack_of[step.name] = inputs.default_stack_name(
                step.template, step_env, step.stack_name or profile.stack_name
            )
        except UsageError as exc:
            self.problems.append(f"{step.where}: step {step.name}: {exc}")
            return
        self.profiles[step.name] = profile
        self.regions_of[step.name] = regions
        for dependency in step.depends_on:
            if dependency not in self.solution.steps:
                self.problems.append(
                    f"{step.where}: step {step.name}: DependsOn {dependency!r} is not a step "
                    f"(steps: {', '.join(self.solution.steps)})"
                )

    def place_stack_set(self, step: Step, profile: params.Profile, step_env: str) -> None:
        """A step whose profile has a StackSet section: one stack set, deployed once, over its own regions."""
        spec = profile.stack_set
        if step.regions:
            self.problems.append(
                f"{step.where}: step {step.name}: {profile.path} deploys a stack set to the regions of its StackSet "
                "section; remove the step's Region(s)"
            )
        name = spec.name or step.stack_name or profile.stack_name or f"{step.template}-{step_env}"
        try:
            self.stack_of[step.name] = inputs.check_stack_name(name)
        except UsageError as exc:
            self.problems.append(f"{step.where}: step {step.name}: {exc}")
            return
        self.profiles[step.name] = profile
        self.stack_sets[step.name] = spec
        self.regions_of[step.name] = spec.regions[:1]  # one node; its key carries the first region

    def node(self, step: Step, region: str) -> Node:
        base = self.profiles[step.name]
        merged = dict(base.parameters)
        origins = {k: base.where(k) for k in merged}
        for key, value in step.parameters.items():
            merged[key] = self.substitute(value, step.lines.get(key, step.where))
            origins[key] = step.lines.get(key, step.where)
        profile = replace(base, parameters=merged, origins=origins, regions=self.regions_of[step.name])
        doc = self.catalog.template_dict(step.template)
        declared = doc.get("Parameters", {})
        if region == self.regions_of[step.name][0]:  # the same problems hold in every region: report them once
            self.problems.extend(params.validate(profile, doc))
        spec = self.stack_sets.get(step.name)
        if spec is not None:
            profile = replace(profile, regions=list(spec.regions))
        regional = profile.for_region(region) if spec is None else profile
        node = Node(
            step=step.name,
            template=step.template,
            env=step.env or self.env,
            region=region,
            stack_name=self.stack_of[step.name],
            profile=regional,
            sources={},
            stack_set=spec,
        )
        for dependency in step.depends_on:
            node.needs |= {(dependency, r) for r in self.regions_of.get(dependency, [])}
        for name, value in list(regional.parameters.items()):
            where = regional.where(name)
            source = Source("solution" if name in step.parameters else "profile", "", where)
            if isinstance(value, Ref):
                value, source = self.wire(value, name, where, node, declared.get(name, {}))
                regional.parameters[name] = value
            else:
                source.text = f"{wording.shown(value)} ({where})"
            node.sources[name] = source
        for name, spec in declared.items():
            if name in node.sources:
                continue
            if params.is_no_echo(spec):
                node.sources[name] = Source("no-echo", f"NoEcho: from CFN_CATALOG_PARAM_{name} at deploy time")
            elif "Default" in spec:
                node.sources[name] = Source("default", f"{wording.shown(spec['Default'])} (default)")
        return node

    def step_named(self, name: str, where: str, label: str) -> str | None:
        """A reference names a step, or a template that exactly one step deploys."""
        if name in self.solution.steps:
            return name
        owners = self.by_template.get(name, [])
        if len(owners) == 1:
            return owners[0]
        if owners:
            self.problems.append(f"{where}: {label}: {name} is deployed by steps {', '.join(owners)}: name the step")
        else:
            self.problems.append(f"{where}: {label}: no step {name!r} (steps: {', '.join(self.solution.steps)})")
        return None

    def wire(self, ref: Ref, name: str, where: str, node: Node, spec: dict) -> tuple[Any, Source]:
        """Resolve what can be resolved offline; record the stacks `node` needs."""
        label = f"step {node.step}, {name}"
        at = ref.where or where
        if ref.kind in ("Env", "SSM"):
            text = f"environment variable {ref.name}" if ref.kind == "Env" else f"SSM parameter {ref.name}"
            if ref.kind == "Env" and ref.default is not None:
                text += f" (default {wording.shown(ref.default)})"
            if ref.kind == "SSM" and spec.get("Type", "").startswith("AWS::SSM::Parameter::Value<"):
                text += " (resolved by CloudFormation)"
            return ref, Source(ref.kind.lower(), text, where)
        producer = self.step_named(ref.name, at, label)
        if producer is None or producer not in self.regions_of:
            return ref, Source("error", str(ref), where)
        if producer == node.step:
            self.problems.append(f"{at}: {label}: {ref} refers to its own step")
            return ref, Source("error", str(ref), where)
        producer_regions = self.regions_of[producer]
        if producer in self.stack_sets:
            node.needs |= {(producer, r) for r in producer_regions}
            regions = self.stack_sets[producer].regions
            if ref.kind == "Region" and len(regions) == 1:
                return regions[0], Source("region", f"{regions[0]} (region of step {producer})", where, producer)
            why = {
                "Output": "its stacks and their outputs live in the target accounts",
                "StackName": "its instances' stack names are chosen by StackSets",
                "Region": f"it deploys to {', '.join(regions)}",
            }[ref.kind]
            self.problems.append(f"{at}: {label}: {ref}: step {producer} is a stack set; {why}")
            return ref, Source("error", str(ref), where)
        if ref.kind in ("StackName", "Region"):
            node.needs |= {(producer, r) for r in producer_regions}
            if ref.kind == "StackName":
                value, text = self.stack_of[producer], f"stack name of step {producer}"
            elif len(producer_regions) == 1:
                value, text = producer_regions[0], f"region of step {producer}"
            else:
                self.problems.append(
                    f"{at}: {label}: {ref}: step {producer} deploys to {', '.join(producer_regions)}; "
                    "a region reference needs a step in one region (or use a !Value)"
                )
                return ref, Source("error", str(ref), where)
            self.problems.extend(f"{at}: {p}" for p in params.check_value(name, value, spec))
            kind = "stack-name" if ref.kind == "StackName" else "region"
            return value, Source(kind, f"{value} ({text})", where, producer)
        template = self.solution.steps[producer].template
        outputs = self.catalog.template_dict(template).get("Outputs", {})
        if ref.output not in outputs:
            import difflib

            close = difflib.get_close_matches(ref.output, list(outputs), n=1)
            hint = f"did you mean {close[0]}?" if close else f"it has {', '.join(outputs) or 'no outputs'}"
            self.problems.append(f"{at}: {label}: {template} has no output {ref.output!r}; {hint}")
            return ref, Source("error", str(ref), where)
        region = ref.region
        if isinstance(region, Ref):  # an unknown !Value: already reported
            return ref, Source("error", str(ref), where)
        if region is None:
            if node.region in producer_regions:
                region = node.region
            elif len(producer_regions) == 1:
                region = producer_regions[0]
            else:
                self.problems.append(
                    f"{at}: {label}: step {producer} does not deploy to {node.region} "
                    f"(it deploys to {', '.join(producer_regions)}): name the output's Region"
                )
                return ref, Source("error", str(ref), where)
        elif region not in producer_regions:
            self.problems.append(
                f"{at}: {label}: step {producer} does not deploy to {region} "
                f"(it deploys to {', '.join(producer_regions)})"
            )
            return ref, Source("error", str(ref), where)
        node.needs.add((producer, region))
        return replace(ref, name=producer, region=region), Source(
            "output", f"output {ref.output} of step {producer} in {region}", where, producer
        )

    # -- the whole

    def check_stacks(self, nodes: dict[Key, Node]) -> None:
        seen: dict[tuple[str, str], str] = {}
        for node in nodes.values():
            other = seen.setdefault((node.stack_name, node.region), node.step)
            if other != node.step:
                self.problems.append(
                    f"{self.solution.steps[node.step].where}: steps {other} and {node.step} both deploy stack "
                    f"{node.stack_name} in {node.region}: give one a StackName"
                )

    def waves(self, nodes: dict[Key, Node]) -> list[list[Key]]:
        """Stacks in waves: each wave needs only earlier ones. A cycle is a problem naming its steps."""
        remaining = {key: {n for n in node.needs if n in nodes} for key, node in nodes.items()}
        waves: list[list[Key]] = []
        while remaining:
            ready = sorted(k for k, needs in remaining.items() if not needs)
            if not ready:
                cycle = _a_cycle(remaining)
                steps = " -> ".join(k[0] for k in cycle)
                first = self.solution.steps[cycle[0][0]].where
                self.problems.append(
                    f"{first}: the steps form a cycle ({steps}): one of them must not wait for the other"
                )
                return waves
            waves.append(ready)
            for key in ready:
                del remaining[key]
            for needs in remaining.values():
                needs.difference_update(ready)
        return waves


def _a_cycle(graph: dict[Key, set[Key]]) -> list[Key]:
    """One cycle in a graph where every node has an unfinished dependency."""
    path: list[Key] = []
    current = min(graph)
    while current not in path:
        path.append(current)
        current = min(graph[current])
    return [*path[path.index(current) :], current]
