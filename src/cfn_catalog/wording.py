"""Words the CLI and the docs print: counts that agree in number ("1 template", "2 templates")."""

from __future__ import annotations

# Nouns whose plural is not the singular plus "s".
IRREGULAR = {"data-loss risk": "data-loss risks", "policy": "policies", "dependency": "dependencies"}


def plural(n: int, noun: str, many: str | None = None) -> str:
    """`noun` in the number `n` calls for; `many` when the plural is not `noun` + "s"."""
    if n == 1:
        return noun
    return many or IRREGULAR.get(noun) or noun + "s"


def count(n: int, noun: str, many: str | None = None) -> str:
    """ "1 template", "0 templates", "2 templates"."""
    return f"{n} {plural(n, noun, many)}"


def shown(value) -> str:
    """`value` on one line as YAML writes it: `[ok, fail]`, `^\\d+$`, `''`; quotes only where YAML needs them."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=2**31, allow_unicode=True, sort_keys=False)
    return text.removesuffix("\n").removesuffix("\n...")
