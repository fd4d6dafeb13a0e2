"""Writing files without ever leaving a half-written one behind."""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from pathlib import Path

from cfn_catalog.errors import OutputError

_COUNTER = itertools.count()
CACHE_ENV = "CFN_CATALOG_CACHE_DIR"


def cache_dir(kind: str) -> Path:
    """Where one of the tool's caches lives (`lint` results, `render` snapshots, `maven` jars).

    $CFN_CATALOG_CACHE_DIR/<kind> when set (tests and CI point it elsewhere), else
    $XDG_CACHE_HOME/cfn-catalog/<kind>, by default ~/.cache/cfn-catalog/<kind>.
    """
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]) / kind
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cfn-catalog" / kind


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _stage(path: Path, data: bytes, mode: int) -> Path:
    """Write `data` to a temporary file beside `path` and return its name."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:  # a name left by a crashed writer with a recycled pid is skipped
            tmp = path.parent / f".{path.name}.{os.getpid()}.{next(_COUNTER)}.tmp"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                break
            except FileExistsError:
                continue
    except OSError as exc:
        raise OutputError(f"cannot write to {path.parent}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
    return tmp


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def write_files(files: Mapping[Path, str | bytes]) -> dict[Path, bool]:
    """Write every file or none: all are staged as temporary files first, then
    renamed into place. Returns each path and whether its content changed;
    files that already hold their text (or bytes) are not touched."""
    mode = 0o666 & ~_umask()
    pending = {path: text.encode() if isinstance(text, str) else text for path, text in files.items()}
    changed = {path: not _unchanged(path, data) for path, data in pending.items()}
    staged: dict[Path, Path] = {}
    try:
        for path, data in pending.items():
            if changed[path]:
                staged[path] = _stage(path, data, mode)
        for path, tmp in staged.items():
            os.replace(tmp, path)
    except BaseException as exc:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {exc.filename or 'output'}: {exc.strerror or exc}") from None
        raise
    return changed


def atomic_write(path: Path, text: str) -> bool:
    """Write one file through a temporary file and a rename; False if unchanged."""
    return write_files({path: text})[path]
