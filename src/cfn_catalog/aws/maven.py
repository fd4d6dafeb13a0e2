"""Jars from a Maven repository, for code bundles that ship a connector (e.g. Flink's).

A coordinate `group:artifact:version` is fetched once from Maven Central (or
the mirror in CFN_CATALOG_MAVEN_REPOSITORY), checked against the strongest
checksum the repository publishes beside it (SHA-512 or SHA-256 where there
is one, else the SHA-1 every Maven repository has, which is what Maven
clients check), and kept in the user's cache, sealed with its SHA-256, so
later publishes work offline. Only https repositories are
used, except on the loopback interface (a local mirror).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from cfn_catalog.errors import CatalogError

CENTRAL = "https://repo1.maven.org/maven2"
REPOSITORY_ENV = "CFN_CATALOG_MAVEN_REPOSITORY"
COORDINATE = re.compile(r"^([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+)$")
LOOPBACK = ("127.0.0.1", "::1", "localhost")
TIMEOUT = 60


def repository() -> str:
    url = (os.environ.get(REPOSITORY_ENV) or CENTRAL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise CatalogError(f"{REPOSITORY_ENV}={url!r} is not an https URL: use an https Maven repository")
    return url


def jar_path(coordinate: str) -> str:
    """`org.apache.flink:flink-sql-connector-kinesis:5.0.0-1.20` -> its path in a repository."""
    match = COORDINATE.match(coordinate)
    if not match:
        raise CatalogError(f"{coordinate!r} is not a Maven coordinate: write it as group:artifact:version")
    group, artifact, version = match.groups()
    return f"{group.replace('.', '/')}/{artifact}/{version}/{artifact}-{version}.jar"


def cache_dir() -> Path:
    from cfn_catalog.fsutil import cache_dir as tool_cache

    return tool_cache("maven")


# Checksums a repository may publish beside an artifact, strongest first (Maven Central always has .sha1).
CHECKSUMS = (("sha512", "SHA-512"), ("sha256", "SHA-256"), ("sha1", "SHA-1"))


def jar(coordinate: str) -> bytes:
    """The jar's bytes: from the cache, or downloaded and verified, then cached."""
    relative = jar_path(coordinate)
    cached = cache_dir() / relative
    seal = cached.with_name(cached.name + ".sha256")  # written by us once the download checked out
    if cached.is_file() and seal.is_file():
        body = cached.read_bytes()
        if hashlib.sha256(body).hexdigest() == seal.read_text().strip():
            return body
    base = repository()
    body = _download(f"{base}/{relative}", coordinate, base)
    _verify(body, coordinate, base, relative)
    from cfn_catalog.errors import OutputError
    from cfn_catalog.fsutil import write_files

    with contextlib.suppress(OutputError):  # a cache that cannot be written only costs a download
        write_files({cached: body, seal: hashlib.sha256(body).hexdigest()})
    return body


def _verify(body: bytes, coordinate: str, base: str, relative: str) -> None:
    """Check `body` against the strongest checksum the repository publishes for it."""
    for extension, name in CHECKSUMS:
        published = _download(f"{base}/{relative}.{extension}", coordinate, base, missing_ok=True)
        if published is None:
            continue
        words = published.decode("ascii", "replace").split()
        if not words or words[0].lower() != hashlib.new(extension, body).hexdigest():
            raise CatalogError(
                f"{coordinate} from {base} does not match its published {name}: retry, or use another mirror "
                f"({REPOSITORY_ENV})"
            )
        return
    raise CatalogError(f"{base} publishes no checksum for {coordinate}: use a repository that does ({REPOSITORY_ENV})")


def _download(url: str, coordinate: str, base: str, *, missing_ok: bool = False) -> bytes | None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        if missing_ok and error.code == 404:
            return None
        reason = f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        reason = str(getattr(error, "reason", error))
    raise CatalogError(
        f"could not download {coordinate} from {base} ({reason}): check the network, or set {REPOSITORY_ENV} "
        "to a reachable mirror"
    )
