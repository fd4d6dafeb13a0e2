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


def default_stack_name(template: str, env: str, given: str | None = None) -> str:
    """The one stack name rule of deploy, launch-url and solutions: the given name, else TEMPLATE-ENV."""
    return check_stack_name(given or f"{template}-{env}")


def check_env(env: str) -> str:
    if not ENV_NAME.match(env):
        raise UsageError(f"invalid environment name {env!r}: use lowercase letters, digits, '-' and '_'")
    return env


# ---------------------------------------------------------------- S3 locations

REGION_PLACEHOLDER = "{region}"
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IP_ADDRESS = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
PREFIX = re.compile(r"^([0-9A-Za-z!_.*'()-]+/)*$")
ACCOUNT_ID = re.compile(r"^\d{12}$")


def _longest_region() -> str:
    return max(known_regions() or {"ap-southeast-5"}, key=len)


def check_bucket(bucket: str) -> str:
    """An S3 bucket name by AWS's naming rules; `{region}` stands for each region's own bucket."""
    name = bucket.replace(REGION_PLACEHOLDER, _longest_region())
    problem = None
    if "{" in name or "}" in name:
        problem = "the only placeholder is {region}"
    elif not BUCKET.match(name):
        problem = "3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    elif ".." in name or ".-" in name or "-." in name:
        problem = "no two dots, and no dot next to a hyphen"
    elif IP_ADDRESS.match(name):
        problem = "not shaped like an IP address"
    elif name.startswith(("xn--", "sthree-", "amzn-s3-demo-")) or name.endswith(("-s3alias", "--ol-s3", "--x-s3")):
        problem = "AWS reserves the prefixes xn--, sthree- and amzn-s3-demo- and the suffixes -s3alias, --ol-s3, --x-s3"
    if problem:
        hint = " (with {region} replaced by the longest region code)" if REGION_PLACEHOLDER in bucket else ""
        raise UsageError(f"invalid bucket name {bucket!r}{hint}: {problem}")
    return bucket


def bucket_in(bucket: str, region: str) -> str:
    """The bucket a region uses: `templates-{region}` in us-west-2 is `templates-us-west-2`."""
    return bucket.replace(REGION_PLACEHOLDER, region)


def has_region_placeholder(bucket: str | None) -> bool:
    return bool(bucket) and REGION_PLACEHOLDER in bucket


def normalize_prefix(prefix: str) -> str:
    """`cfn-catalog` -> `cfn-catalog/`, `/a/b` -> `a/b/`; empty stays empty (the bucket's root)."""
    prefix = prefix.strip().lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    if "//" in prefix or not PREFIX.match(prefix):
        raise UsageError(
            f"invalid prefix {prefix!r}: use letters, digits and !_.*'()- in '/'-separated parts "
            "(nested stacks receive it as TemplateKeyPrefix)"
        )
    return prefix


def check_account_id(account: str) -> str:
    if not ACCOUNT_ID.match(account):
        raise UsageError(f"invalid account id {account!r}: 12 digits (quote it in YAML to keep leading zeros)")
    return account
