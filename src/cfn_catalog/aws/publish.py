"""Upload rendered templates, their nested children and assets to S3.

Layout under `s3://BUCKET/PREFIX` (what nested TemplateURLs and Launch Stack
links expect, see blocks/nested.py):

    PREFIX<version>/<name>.yaml       immutable: never overwritten with other bytes
    PREFIX<version>/assets/<path>     files under cfn_catalog/functions/ a template lists
    PREFIXlatest/...                  the same objects again: a moving alias

A template lists its assets in its Metadata:

    Metadata:
      cfn-catalog:
        Assets:
          - relative/path/under/functions          # a directory is uploaded as <path>.zip
          - Zip: app.zip                            # a bundle, zipped reproducibly:
            Files: {app.py: app.py}                 #   path in the zip: path under functions/
            Maven: {lib/x.jar: group:artifact:ver}  #   path in the zip: jar (see maven.py)

Objects are content-addressed: each carries `sha256=<hex>` metadata and is
uploaded only when that differs, so a rerun uploads nothing and a run cut off
midway is finished by running it again. Upload order is assets, then children
before parents, versioned keys before `latest/`, so no uploaded template ever
points at an object that is not there yet.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cfn_catalog import __version__, functions, inputs, links, outputs
from cfn_catalog.aws import AwsError, NoSuchBucket, client
from cfn_catalog.errors import CatalogError, UsageError

DEFAULT_PREFIX = "cfn-catalog/"
LATEST = "latest"
ASSETS = "assets"
FUNCTIONS_DIR = functions.DIRECTORY
SHA_KEY = "sha256"  # x-amz-meta-sha256
# The TemplateKeyPrefix pattern of blocks/nested.py: a published prefix must be passable to a tree.
VERSION_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
CACHE_CONTROL = {True: "max-age=31536000, immutable", False: "no-cache"}

NEW, UNCHANGED, CHANGED, CONFLICT = "new", "unchanged", "changed", "conflict"


class VersionConflict(CatalogError):
    """A versioned key already holds different bytes."""


@dataclass
class Upload:
    """One object to put: its key, bytes and what S3 holds now."""

    key: str
    body: bytes
    source: str  # for messages: "templates_out/x.yaml", "functions/handler.py"
    versioned: bool
    content_type: str
    status: str = NEW
    seconds: float | None = None  # time the upload took, once done

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def size(self) -> int:
        return len(self.body)

    @property
    def pending(self) -> bool:
        return self.status in (NEW, CHANGED)


@dataclass
class RootLinks:
    name: str
    template_url: str  # the versioned object
    latest_url: str
    launch_url: str


@dataclass
class Result:
    bucket: str
    prefix: str
    version: str
    region: str  # the bucket's region
    uploads: list[Upload]
    roots: list[RootLinks] = field(default_factory=list)
    dry_run: bool = False

    @property
    def pending(self) -> list[Upload]:
        return [u for u in self.uploads if u.pending]

    @property
    def conflicts(self) -> list[Upload]:
        return [u for u in self.uploads if u.status == CONFLICT]

    @property
    def version_prefix(self) -> str:
        return f"{self.prefix}{self.version}/"

    def url(self, key: str) -> str:
        return links.template_url(self.bucket, key, self.region)


# ---------------------------------------------------------------- checks


normalize_prefix = inputs.normalize_prefix
check_bucket = inputs.check_bucket


def check_version(version: str) -> str:
    if not VERSION_PATTERN.match(version) or version in (LATEST, ASSETS):
        raise UsageError(f"invalid version {version!r}: letters, digits, '.', '_' and '-', not 'latest'")
    return version


# ---------------------------------------------------------------- the plan (local, no AWS)


def cfn_yaml_loader():
    """A SafeLoader that reads CloudFormation short-form tags (`!Ref x` -> {"Ref": "x"})."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}": value}

    Loader.add_multi_constructor("!", construct)
    return Loader


def load_template(text: str) -> dict[str, Any]:
    """A rendered YAML (or JSON) template as data."""
    import yaml

    try:
        doc = yaml.load(text, Loader=cfn_yaml_loader())
    except yaml.YAMLError as exc:
        raise CatalogError(f"cannot read template: {exc}") from None
    return doc if isinstance(doc, dict) else {}


def declared_assets(text: str) -> list[str | dict]:
    """The assets a rendered template lists in Metadata.cfn-catalog.Assets.

    Each is a path under functions/ (a directory becomes `<path>.zip`) or a
    bundle: `{Zip: name.zip, Files: {path in zip: path under functions/},
    Maven: {path in zip: group:artifact:version}}`, zipped reproducibly.
    """
    if "Assets" not in text:  # most templates: skip parsing
        return []
    meta = load_template(text).get("Metadata") or {}
    assets = (meta.get("cfn-catalog") or {}).get("Assets") or []
    if not isinstance(assets, list) or not all(isinstance(a, str) or _is_bundle(a) for a in assets):
        raise CatalogError(
            "Metadata.cfn-catalog.Assets must list paths under cfn_catalog/functions/ or bundles "
            "{Zip: name.zip, Files: {...}, Maven: {...}}"
        )
    return assets


def _is_bundle(asset: object) -> bool:
    def mapping(value: object) -> bool:
        return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())

    return (
        isinstance(asset, dict)
        and isinstance(asset.get("Zip"), str)
        and set(asset) <= {"Zip", "Files", "Maven"}
        and all(mapping(asset.get(key, {})) for key in ("Files", "Maven"))
    )


def asset_body(asset: str | dict, functions_dir: Path, owner: str) -> tuple[str, bytes]:
    """(key suffix, bytes) of one asset: a file as is, a directory or a bundle as a reproducible zip."""
    if isinstance(asset, dict):
        return _bundle_body(asset, functions_dir, owner)
    path = _under(asset, functions_dir, owner)
    if path.is_file():
        return asset, path.read_bytes()
    if path.is_dir():
        return f"{asset.rstrip('/')}.zip", zip_directory(path)
    raise CatalogError(f"{owner}: asset {asset!r} not found: {path} does not exist")


def asset_source(asset: str | dict) -> str:
    """Where an asset comes from, for the publish report."""
    if isinstance(asset, str):
        return f"functions/{asset}"
    parts = [f"functions/{relative}" for relative in asset.get("Files", {}).values()]
    parts += list(asset.get("Maven", {}).values())
    return " + ".join(parts) or "(empty)"


def _under(relative: str, functions_dir: Path, owner: str) -> Path:
    parts = Path(relative).parts
    if not relative or Path(relative).is_absolute() or ".." in parts or "\\" in relative:
        raise CatalogError(f"{owner}: asset {relative!r} must be a relative path under {functions_dir}")
    return functions_dir / relative


def _bundle_body(bundle: dict, functions_dir: Path, owner: str) -> tuple[str, bytes]:
    from cfn_catalog.aws import maven

    name = bundle["Zip"]
    _under(name, functions_dir, owner)  # the same rules for the key it is published under
    if not name.endswith(".zip"):
        raise CatalogError(f"{owner}: bundle {name!r} must be named *.zip")
    entries: dict[str, bytes] = {}
    for inside, relative in bundle.get("Files", {}).items():
        path = _under(relative, functions_dir, owner)
        if not path.is_file():
            raise CatalogError(f"{owner}: bundle {name} file {relative!r} not found: {path} does not exist")
        entries[inside] = path.read_bytes()
    for inside, coordinate in bundle.get("Maven", {}).items():
        entries[inside] = maven.jar(coordinate)
    for inside in entries:
        if Path(inside).is_absolute() or ".." in Path(inside).parts:
            raise CatalogError(f"{owner}: bundle {name} path {inside!r} must be relative, without '..'")
    return name, zip_entries(entries)


def zip_directory(directory: Path) -> bytes:
    """The directory as a zip whose bytes depend only on file names and contents."""
    files = sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )
    return zip_entries({path.relative_to(directory).as_posix(): path.read_bytes() for path in files})


def zip_entries(entries: dict[str, bytes]) -> bytes:
    """A zip of {path: bytes} whose bytes depend only on the paths and contents (sorted, fixed times)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def children_in(text: str) -> list[str]:
    return sorted(set(outputs.RENDERED_CHILD_URL.findall(text)))


def publish_order(texts: dict[str, str]) -> tuple[list[str], list[str]]:
    """(every template children first, the roots): a root is a template no other one nests."""
    nested = {child for text in texts.values() for child in children_in(text)}
    roots = [name for name in texts if name not in nested]
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in path:
            raise CatalogError(f"nested stack cycle: {' -> '.join((*path, name))}")
        for child in children_in(texts[name]):
            visit(child, (*path, name))
        order.append(name)

    for name in sorted(texts, key=lambda n: (n not in roots, n)):
        visit(name, ())
    return order, roots


def plan(
    names: Iterable[str],
    *,
    all_: bool = False,
    directory: Path = outputs.DEFAULT_OUT,
    prefix: str = DEFAULT_PREFIX,
    version: str | None = None,
    functions_dir: Path = FUNCTIONS_DIR,
) -> tuple[list[Upload], list[str], dict[str, list[str]]]:
    """The uploads in order, the root templates and each template's children.

    Reads the rendered files only (children are found in each file's TemplateURLs).
    """
    prefix = normalize_prefix(prefix)
    version = check_version(version or __version__)
    texts = outputs.rendered_files(Path(directory), list(names), all_=all_)
    order, roots = publish_order(texts)
    assets: dict[str, tuple[bytes, str]] = {}
    for name in order:
        for asset in declared_assets(texts[name]):
            key, body = asset_body(asset, functions_dir, f"{directory}/{name}.yaml")
            assets.setdefault(key, (body, asset_source(asset)))
    uploads: list[Upload] = []
    for alias, versioned in ((version, True), (LATEST, False)):
        base = f"{prefix}{alias}/"
        for key, (body, source) in assets.items():
            uploads.append(Upload(f"{base}{ASSETS}/{key}", body, source, versioned, content_type(key)))
        for name in order:
            path = Path(directory) / outputs.filename(name, "yaml")
            uploads.append(Upload(f"{base}{name}.yaml", path.read_bytes(), str(path), versioned, "application/yaml"))
    return uploads, roots, {name: children_in(texts[name]) for name in order}


def content_type(key: str) -> str:
    import mimetypes

    if key.endswith((".yaml", ".yml")):
        return "application/yaml"
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


# ---------------------------------------------------------------- S3


def bucket_region(s3, bucket: str) -> str:
    """The bucket's region; a one-line error if it is missing or not ours."""
    from botocore.exceptions import BotoCoreError, ClientError

    missing = f"bucket {bucket!r} does not exist: create it (e.g. deploy sam-artifacts-bucket) or fix --bucket"
    try:
        location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
        return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "NoSuchBucket":
            raise NoSuchBucket(missing) from None
        if code not in ("AccessDenied", "403"):
            raise _s3_error(exc, f"read the location of bucket {bucket!r}") from None
    except BotoCoreError as exc:
        raise _s3_error(exc, f"read the location of bucket {bucket!r}") from None
    # No s3:GetBucketLocation: HeadBucket also answers with the region.
    try:
        response = s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket"):
            raise NoSuchBucket(missing) from None
        raise _s3_error(exc, f"access bucket {bucket!r}") from None
    except BotoCoreError as exc:
        raise _s3_error(exc, f"access bucket {bucket!r}") from None
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return response.get("BucketRegion") or headers.get("x-amz-bucket-region") or "us-east-1"


def _s3_error(exc: BaseException, action: str) -> CatalogError:
    from cfn_catalog.aws import translate

    return translate(
        exc,
        action,
        denied_hint="publishing needs s3:GetObject, s3:PutObject and s3:GetBucketLocation on the bucket "
        "(check the IAM policy and the bucket policy)",
    )


def remote_status(s3, bucket: str, upload: Upload) -> str:
    """NEW, UNCHANGED or CHANGED, from the object's sha256 metadata (or its MD5 ETag)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        head = s3.head_object(Bucket=bucket, Key=upload.key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return NEW
        raise _s3_error(exc, f"read s3://{bucket}/{upload.key}") from None
    except BotoCoreError as exc:
        raise _s3_error(exc, f"read s3://{bucket}/{upload.key}") from None
    stored = (head.get("Metadata") or {}).get(SHA_KEY)
    if stored is not None:
        return UNCHANGED if stored == upload.sha256 else CHANGED
    # Uploaded by another tool: a single-part upload's ETag is the MD5 of its bytes.
    etag = str(head.get("ETag", "")).strip('"')
    md5 = hashlib.md5(upload.body, usedforsecurity=False).hexdigest()
    return UNCHANGED if etag == md5 and head.get("ContentLength") == upload.size else CHANGED


def put(s3, bucket: str, upload: Upload) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    started = time.perf_counter()
    try:
        s3.put_object(
            Bucket=bucket,
            Key=upload.key,
            Body=upload.body,
            ContentType=upload.content_type,
            CacheControl=CACHE_CONTROL[upload.versioned],
            Metadata={SHA_KEY: upload.sha256},
        )
    except (BotoCoreError, ClientError) as exc:
        raise _s3_error(exc, f"upload s3://{bucket}/{upload.key}") from None
    upload.seconds = time.perf_counter() - started


def publish(
    names: Iterable[str],
    *,
    bucket: str,
    all_: bool = False,
    directory: Path = outputs.DEFAULT_OUT,
    prefix: str = DEFAULT_PREFIX,
    version: str | None = None,
    region: str | None = None,
    dry_run: bool = False,
    functions_dir: Path = FUNCTIONS_DIR,
    on_checked: Callable[[Result], None] | None = None,
    on_upload: Callable[[Upload], None] | None = None,
) -> Result:
    """Upload what `plan` lists and S3 lacks; return every object's status and the roots' links.

    `on_checked` sees the result once every object's status is known (before
    any upload); `on_upload` sees each object after it is uploaded. A dry run
    reads the bucket but writes nothing. A versioned key whose bytes differ
    raises VersionConflict before anything is uploaded (a dry run reports it
    as CONFLICT instead).
    """
    check_bucket(bucket)
    prefix = normalize_prefix(prefix)
    version = check_version(version or __version__)
    uploads, roots, children = plan(
        names, all_=all_, directory=directory, prefix=prefix, version=version, functions_dir=functions_dir
    )
    s3 = client("s3", region or "us-east-1")
    where = bucket_region(s3, bucket)
    if where != s3.meta.region_name:
        s3 = client("s3", where)
    result = Result(bucket, prefix, version, where, uploads, dry_run=dry_run)
    for upload in uploads:
        upload.status = remote_status(s3, bucket, upload)
        if upload.versioned and upload.status == CHANGED:
            upload.status = CONFLICT
    result.roots = [root_links(result, name, nested=bool(children[name])) for name in roots]
    if on_checked:
        on_checked(result)
    if dry_run:
        return result
    if result.conflicts:
        raise conflict_error(result)
    pending = result.pending
    for done, upload in enumerate(pending):
        try:
            put(s3, bucket, upload)
        except AwsError as exc:
            raise type(exc)(
                f"{exc} ({done} of {len(pending)} uploads done; every uploaded template's children are in place: "
                "rerun to finish, unchanged objects are skipped)"
            ) from None
        if on_upload:
            on_upload(upload)
    return result


def conflict_error(result: Result) -> VersionConflict:
    first = result.conflicts[0]
    more = len(result.conflicts) - 1
    also = f" (and {more} more versioned object{'s' * (more > 1)})" if more else ""
    return VersionConflict(
        f"s3://{result.bucket}/{first.key} already holds different content{also}: bump the version "
        f"(--version, now {result.version}); published versions are never overwritten"
    )


def root_links(result: Result, name: str, *, nested: bool) -> RootLinks:
    """Template URLs and the Launch Stack link (location parameters prefilled for a tree)."""
    url = result.url(f"{result.version_prefix}{name}.yaml")
    parameters = (
        {
            "TemplateBucketName": result.bucket,
            "TemplateKeyPrefix": result.version_prefix,
            "TemplateBucketRegion": result.region,
        }
        if nested
        else None
    )
    return RootLinks(
        name=name,
        template_url=url,
        latest_url=result.url(f"{result.prefix}{LATEST}/{name}.yaml"),
        launch_url=links.launch_url(region=result.region, template_url=url, stack_name=name, parameters=parameters),
    )
