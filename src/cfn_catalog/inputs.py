"""One rule per kind of input (region, stack name, env name), shared by every command and file reader.

A region must be one AWS has: the list comes from the partition data botocore
ships (read as a file, without importing botocore), so a region launched after
this botocore is accepted once botocore is upgraded. Without botocore, the
shape alone is checked.
"""

from __future__ import annotations

import json
import re
from functools import cache

from cfn_catalog.errors import UsageError

REGION_SHAPE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@cache
def known_regions() -> frozenset[str]:
    """Every region code in botocore's partition data (empty when botocore is not installed)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / "partitions.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        return frozenset(
            region
            for partition in data.get("partitions", [])
            for region in partition.get("regions", {})
            if REGION_SHAPE.match(region)
        )
    return frozenset()


def _region_reason(region: object) -> str | None:
    if not isinstance(region, str) or not REGION_SHAPE.match(region):
        return "use a region code such as us-east-1"
    known = known_regions()
    if known and region not in known:
        import difflib

        close = difflib.get_close_matches(region, sorted(known), n=1)
        return f"not an AWS region; did you mean {close[0]}?" if close else "not an AWS region"
    return None


def region_problem(region: object) -> str | None:
    """Why `region` is not an AWS region code, or None."""
    reason = _region_reason(region)
    return f"{region!r} is not an AWS region code ({reason})" if reason else None


def check_region(region: str) -> str:
    reason = _region_reason(region)
    if reason:
        raise UsageError(f"invalid region {region!r}: {reason}")
    return region


def check_stack_name(name: str) -> str:
    if not STACK_NAME.match(name):
        raise UsageError(
            f"invalid stack name {name!r}: start with a letter, then letters, digits and hyphens, at most 128"
        )
    return name


def check_env(env: str) -> str:
    if not ENV_NAME.match(env):
        raise UsageError(f"invalid environment name {env!r}: use lowercase letters, digits, '-' and '_'")
    return env
