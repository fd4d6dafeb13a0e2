"""The package's layers: the arrows of the import graph point one way.

`cli` may import anything; `aws`, `views` and `checks` import the authoring core; the core
(the root modules, blocks, templates, functions) imports none of them; nothing imports `cli`.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "cfn_catalog"
LAYERS = ("cli", "aws", "checks", "views")
# What each layer may import besides the core.
ALLOWED = {"core": set(), "checks": set(), "views": set(), "aws": set(), "cli": {"aws", "checks", "views", "cli"}}


def layer_of(module: str) -> str:
    if module == "cfn_catalog.__main__":  # `python -m cfn_catalog` is an entry point, like the console script
        return "cli"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "core"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("cfn_catalog.")}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        yield ".".join(p for p in rel.parts if p != "__init__"), path


@pytest.mark.parametrize(("module", "path"), list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_follow_the_layers(module, path):
    own = layer_of(module)
    allowed = ALLOWED[own] | {own}
    wrong = sorted(
        name for name in imported_modules(path) if layer_of(name) != "core" and layer_of(name) not in allowed
    )
    assert not wrong, f"{module} ({own}) imports {wrong}"


def test_the_layer_check_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from cfn_catalog.cli import main\nfrom cfn_catalog import catalog\n")
    assert imported_modules(bad) == {"cfn_catalog.cli", "cfn_catalog.cli.main", "cfn_catalog.catalog"}
    assert layer_of("cfn_catalog.cli.main") == "cli" and layer_of("cfn_catalog.catalog") == "core"
