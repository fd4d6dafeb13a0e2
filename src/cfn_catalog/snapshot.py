"""A cache of the whole catalog's renders, keyed by everything that shapes them.

Building every template means importing troposphere's service modules and
running every `build()`, which costs several times Python's own start-up. The
output is a pure function of this package's files and the troposphere and
awacs versions, so the renders are kept under a fingerprint of exactly those
(file bytes, not timestamps). Any edit to a template, block, handler or asset,
or an upgrade of either library, is a new fingerprint and a fresh build: the
cache can make a render faster, never different.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
LIBRARIES = ("troposphere", "awacs")
FORMAT_VERSION = "1"


def _library_files(name: str) -> list[Path]:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return []
    return [Path(spec.origin)]  # the package __init__ carries its __version__


def fingerprint(package_dir: Path = PACKAGE_DIR) -> str:
    digest = hashlib.sha256(f"{FORMAT_VERSION}\0{sys.version_info[:2]}\0".encode())
    files = sorted(p for p in package_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for library in LIBRARIES:
        files += _library_files(library)
    for path in files:
        digest.update(str(path.relative_to(package_dir) if path.is_relative_to(package_dir) else path.name).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def cache_dir() -> Path:
    from cfn_catalog.fsutil import cache_dir as tool_cache

    return tool_cache("render")


def load(key: str) -> dict | None:
    """The snapshot stored under `key`, or None."""
    try:
        data = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def save(key: str, names: list[str], children: dict[str, list[str]], texts: dict[str, dict[str, str]]) -> None:
    from cfn_catalog.errors import OutputError
    from cfn_catalog.fsutil import write_files

    data = {"key": key, "names": names, "children": children, "texts": texts}
    try:
        directory = cache_dir()
        write_files({directory / f"{key}.json": json.dumps(data)})
        for old in directory.glob("*.json"):  # keep only the newest snapshot
            if old.name != f"{key}.json":
                old.unlink(missing_ok=True)
    except (OutputError, OSError):
        pass  # a cache that cannot be written only costs time
