"""Is a rendered file a complete CloudFormation template at all?

cfn-lint and checkov judge templates; neither fails every file that is not
one. checkov silently skips a file it cannot read as a template (a list, an
empty file, invalid YAML, a mapping without Resources), and cfn-lint accepts
an empty `Resources: {}`, which CloudFormation rejects. `lint` and `scan`
therefore hold every file to this check too, so such a file is reported as a
finding and never passes.
"""

from __future__ import annotations

RULE = "CATALOG-TEMPLATE"
SHORT = "The file is a complete CloudFormation template"
HELP = (
    "A rendered file must be a CloudFormation template: a YAML or JSON mapping whose Resources section declares "
    "at least one resource, each a mapping with a Type. Render it again with 'cfn-catalog render', or remove a "
    "file that is not a template from the directory that is checked."
)


def problem(template: object, text: str) -> str | None:
    """What a decoded document lacks to be a complete template, or None when it has it."""
    if not text.strip():
        return "the file is empty (no Resources)"
    if template is None or template == {}:
        return "an empty document (no Resources)"
    if not isinstance(template, dict):
        kind = "a list" if isinstance(template, list) else "a single value"
        return f"{kind}, not a mapping with Resources"
    if "Resources" not in template:
        return "no Resources section"
    resources = template["Resources"]
    if not isinstance(resources, dict):
        return "Resources is not a mapping of resources"
    if not resources:
        return "Resources is empty (a template declares at least one resource)"
    for name, resource in resources.items():
        if not isinstance(resource, dict) or "Type" not in resource:
            return f"resource {name} has no Type"
    return None


def check_text(text: str) -> tuple[int, str] | None:
    """(line, what is missing) when `text` is not a complete template, else None.

    Reads YAML (with CloudFormation's short-form tags such as !Ref) or JSON with
    libyaml, a few times faster than cfn-lint's decoder; only the shape matters here.
    """
    import yaml

    try:
        template = yaml.load(text, Loader=_loader())  # a safe loader that also accepts !Tags
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        said = " ".join(filter(None, (getattr(exc, "context", None), getattr(exc, "problem", None))))
        return (mark.line + 1 if mark else 1), f"invalid YAML or JSON: {said or str(exc).splitlines()[0]}"
    missing = problem(template, text)
    return None if missing is None else (1, missing)


_LOADER = None


def _loader():
    """A safe YAML loader (libyaml's when available) that reads !Ref, !Sub and the other intrinsic tags as plain values."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            pass

        def intrinsic(loader, suffix, node):
            if isinstance(node, yaml.ScalarNode):
                return loader.construct_scalar(node)
            if isinstance(node, yaml.SequenceNode):
                return loader.construct_sequence(node, deep=True)
            return loader.construct_mapping(node, deep=True)

        Loader.add_multi_constructor("!", intrinsic)
        _LOADER = Loader
    return _LOADER
