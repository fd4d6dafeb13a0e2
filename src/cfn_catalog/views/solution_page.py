"""A documentation page per solution: what it builds, its steps in waves, a diagram, how to deploy it.

Everything comes from the solution file and its plan for the `example` env,
so the page cannot drift from what `cfn-catalog solution deploy` does.
Console users get the Launch Stack links in the order the stacks must be
created, each with the values to paste from the stacks before it.
"""

from __future__ import annotations

import re

from cfn_catalog import catalog, links, markdown, params, solutions
from cfn_catalog.references import Ref

DOCS_ENV = "example"


_cell = markdown.cell


def _node_id(key: tuple[str, str]) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", f"{key[0]}_{key[1]}")


def _deploy_needs_bucket(plan: solutions.Plan) -> bool:
    for node in plan.nodes.values():
        declared = catalog.template_dict(node.template).get("Parameters", {})
        if len(catalog.tree(node.template)) > 1 or "TemplateBucketName" in declared:
            return True
    return False


def diagram(plan: solutions.Plan) -> list[str]:
    """Mermaid: a box per region holding its stacks; wired values are labelled arrows, plain order dashed."""
    lines = ["```mermaid", "flowchart LR"]
    regions: dict[str, list[tuple[str, str]]] = {}
    for key in plan.order():
        regions.setdefault(key[1], []).append(key)
    for region, keys in regions.items():
        lines.append(f'  subgraph {_node_id(("r", region))}["{region}"]')
        for key in keys:
            node = plan.nodes[key]
            lines.append(f'    {_node_id(key)}["{node.step}<br/>{node.template}"]')
        lines.append("  end")
    for key in plan.order():
        node = plan.nodes[key]
        wired: dict[tuple[str, str], list[str]] = {}
        for name, value in node.profile.parameters.items():
            source = node.sources.get(name)
            if isinstance(value, Ref) and value.kind == "Output":
                wired.setdefault((value.name, value.region), []).append(f"{value.output} to {name}")
            elif source and source.kind in ("region", "stack-name"):
                for need in sorted(node.needs):
                    if need[0] == source.step:
                        wired.setdefault(need, []).append(
                            f"{'region' if source.kind == 'region' else 'stack name'} to {name}"
                        )
        for need in sorted(node.needs):
            if need in wired:
                label = "<br/>".join(wired[need])
                lines.append(f'  {_node_id(need)} -- "{label}" --> {_node_id(key)}')
            else:
                lines.append(f"  {_node_id(need)} -.-> {_node_id(key)}")
    lines.append("```")
    return lines


def _paste_lines(plan: solutions.Plan, node: solutions.Node) -> list[str]:
    lines = []
    for name, source in node.sources.items():
        value = node.profile.parameters.get(name)
        if isinstance(value, Ref) and value.kind == "Output":
            producer = plan.nodes[(value.name, value.region)]
            lines.append(
                f"  - `{name}`: paste the output `{value.output}` of stack `{producer.stack_name}` "
                f"({producer.step}) in {producer.region}"
            )
        elif isinstance(value, Ref):
            lines.append(f"  - `{name}`: {markdown.inline(source.text)}")
        elif source.kind == "no-echo":
            lines.append(f"  - `{name}`: type it in (NoEcho, never prefilled)")
    return lines


def _launch_url(node: solutions.Node, config) -> str:
    declared = catalog.template_dict(node.template).get("Parameters", {})
    values = {
        k: params.as_string(v)
        for k, v in node.profile.parameters.items()
        if not isinstance(v, Ref) and k in declared and not params.is_no_echo(declared[k])
    }
    bucket, bucket_region = config.location(node.region)
    prefix = config.prefix
    location = {"TemplateBucketName": bucket, "TemplateKeyPrefix": prefix, "TemplateBucketRegion": bucket_region}
    values |= {k: v for k, v in location.items() if k in declared}
    return links.launch_url(
        region=node.region,
        template_url=links.template_url(bucket, f"{prefix}{node.template}.yaml", bucket_region),
        stack_name=node.stack_name,
        parameters=values,
    )


def page(name: str, *, config, root=solutions.SOLUTIONS_DIR, params_dir=params.PARAMS_DIR) -> str:
    """The solution's page; `config` (a docs.DocsConfig) says which bucket the Launch Stack links assume."""
    plan = solutions.plan(name, DOCS_ENV, root=root, params_dir=params_dir)
    solution = plan.solution
    bucket_option = " --bucket YOUR-TEMPLATE-BUCKET" if _deploy_needs_bucket(plan) else ""
    lines = [
        f"# {name}",
        "",
        markdown.text(solution.description),
        "",
        f"Defined in [`solutions/{name}.yaml`](../../solutions/{name}.yaml); shown here for the `{DOCS_ENV}` env "
        f"(each step's profile `params/<template>/{DOCS_ENV}.yaml`).",
        "",
        "```sh",
        f"cfn-catalog solution plan {name} --env {DOCS_ENV}",
        f"cfn-catalog solution deploy {name} --env {DOCS_ENV}{bucket_option}",
        f"cfn-catalog solution status {name} --env {DOCS_ENV}",
        "```",
        "",
        "## Steps",
        "",
        "Stacks of one wave need only earlier waves; `solution deploy` starts each as soon as what it needs is done.",
        "",
        "| Wave | Step | Template | Region | Stack | Waits for |",
        "|---|---|---|---|---|---|",
    ]
    for number, wave in enumerate(plan.waves, start=1):
        for key in wave:
            node = plan.nodes[key]
            waits = ", ".join(plan.nodes[k].label for k in sorted(node.needs)) or "-"
            where = f"stack set: {', '.join(node.stack_set.regions)}" if node.stack_set else node.region
            lines.append(
                f"| {number} | {node.step} | [{node.template}](../templates/{node.template}.md) | {where} | "
                f"`{node.stack_name}` | {_cell(waits)} |"
            )
    if solution.values:
        lines += ["", "## Values", "", "Declared once in the solution and used by its steps.", ""]
        lines += [
            "| Value | Default |" + "".join(f" env `{e}` |" for e in solution.envs),
            "|---|---|" + "---|" * len(solution.envs),
        ]
        for key, value in solution.values.items():
            overrides = "".join(f" {_cell(solution.envs[e].get(key, ''))} |" for e in solution.envs)
            shown = markdown.code_cell(params.as_string(value) if not isinstance(value, Ref) else value)
            lines.append(f"| `{key}` | {shown} |{overrides}")
    lines += ["", "## Diagram", "", *diagram(plan)]
    lines += [
        "",
        "## Launch in the console, in order",
        "",
        "For those who click: create the stacks in this order. Values are prefilled except those that come "
        "from stacks created before; paste them as listed. " + config.assumption(),
        "",
    ]
    for number, wave in enumerate(plan.waves, start=1):
        for key in wave:
            node = plan.nodes[key]
            if node.stack_set is not None:
                where = f"{node.stack_set.targets_text()} in {', '.join(node.stack_set.regions)}"
                lines.append(
                    f"- Wave {number}, {node.step}: a stack set ({where}); create it with "
                    f"`cfn-catalog deploy {node.template} --env {node.env}` or the StackSets console"
                )
                continue
            url = _launch_url(node, config)
            lines.append(f"- Wave {number}, {node.step} in {node.region}: {links.markdown_badge(url)}")
            lines += _paste_lines(plan, node)
    lines.append("")
    return "\n".join(lines)


def solutions_table(link_prefix: str, root=solutions.SOLUTIONS_DIR) -> str:
    lines = ["| Solution | Steps | Description |", "|---|---|---|"]
    for name in solutions.discover(root):
        solution = solutions.load(name, root)
        templates = ", ".join(dict.fromkeys(s.template for s in solution.steps.values()))
        lines.append(f"| [{name}]({link_prefix}{name}.md) | {_cell(templates)} | {_cell(solution.description)} |")
    return "\n".join(lines)
