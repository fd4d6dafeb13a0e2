"""Rendered files on disk: write them all atomically, or check they are current."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cfn_catalog.errors import CatalogError
from cfn_catalog.fsutil import write_files
from cfn_catalog.registry import CHILD_IN_URL

# catalog (and with it the renderer) is imported by the functions that build;
# reading rendered files, as lint and scan do, must stay cheap.

DEFAULT_OUT = Path("templates_out")
# A nested stack's TemplateURL in rendered YAML: `...${TemplateKeyPrefix}<child>.yaml`.
RENDERED_CHILD_URL = re.compile(CHILD_IN_URL + r"\b")


def rendered_files(directory: Path, names: Iterable[str], *, all_: bool) -> dict[str, str]:
    """Name -> text of rendered YAML templates in `directory`, nested children included.

    Reads only the files (children are found in each file's TemplateURLs), so
    commands that work on rendered output never build a template.
    """
    if all_:
        paths = sorted(p for p in directory.glob("*.yaml") if p.is_file())
        if not paths:
            raise CatalogError(f"no rendered templates in {directory}: run 'cfn-catalog render --all' first")
        return {p.stem: _read_text(p) for p in paths}
    result: dict[str, str] = {}
    pending = list(names)
    while pending:
        name = pending.pop(0)
        if name in result:
            continue
        path = directory / filename(name, "yaml")
        try:
            result[name] = _read_text(path)
        except OSError:
            from cfn_catalog import catalog

            catalog.check_names([name])  # an unknown name is a usage error, not a missing file
            raise CatalogError(f"{path} not found: run 'cfn-catalog render {name}' first") from None
        pending += RENDERED_CHILD_URL.findall(result[name])
    return result


def _read_text(path: Path) -> str:
    """A rendered file's text; a file that is not UTF-8 text is an error naming it, never a traceback."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path} is not UTF-8 text (byte {exc.start}), so not a template: render it again") from None


def filename(name: str, fmt: str) -> str:
    return f"{name}.{fmt}"


def expected(names: Iterable[str], formats: Iterable[str]) -> dict[str, str]:
    """File name -> text for every requested template and format.

    Everything is rendered before anything is written, so a template that
    fails to build leaves every file on disk as it was.
    """
    from cfn_catalog import catalog

    return {filename(name, fmt): catalog.rendered(name, fmt) for name in names for fmt in formats}


def write(names: Iterable[str], formats: Iterable[str], out_dir: Path) -> list[tuple[Path, bool]]:
    """Write the files, all or none; return each path and whether it changed."""
    files = {out_dir / name: text for name, text in expected(names, formats).items()}
    return list(write_files(files).items())


@dataclass
class CheckReport:
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.orphans)

    def lines(self, out_dir: Path) -> list[str]:
        return [
            f"{kind}: {out_dir / name}"
            for kind, names in (("stale", self.stale), ("missing", self.missing), ("orphan", self.orphans))
            for name in names
        ]


def check(names: Iterable[str], formats: Iterable[str], out_dir: Path, *, orphans: bool) -> CheckReport:
    """Compare `out_dir` with what the code renders; write nothing.

    With `orphans`, also report rendered-looking files in `out_dir` that no
    registered template produces (left behind by a renamed or deleted module).
    """
    files = expected(names, formats)
    report = CheckReport()
    for name, text in files.items():
        path = out_dir / name
        try:
            if path.read_bytes() != text.encode():
                report.stale.append(name)
        except FileNotFoundError:
            report.missing.append(name)
    if orphans and out_dir.is_dir():
        from cfn_catalog import catalog
        from cfn_catalog.render import FORMATS

        known = {filename(name, fmt) for name in catalog.names() for fmt in FORMATS}
        report.orphans = sorted(p.name for p in out_dir.iterdir() if p.suffix[1:] in FORMATS and p.name not in known)
    return report
