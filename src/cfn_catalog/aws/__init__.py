"""boto3 plumbing shared by publish and deploy: sessions, clients, one-line errors.

Imported only by commands that talk to AWS. Every botocore failure a user can
cause (no credentials, a missing bucket, a denied call, an unreachable
endpoint) becomes an `AwsError` whose message names the fix; the CLI prints it
as one line. AWS_ENDPOINT_URL, AWS_PROFILE, AWS_MAX_ATTEMPTS and the rest of
the standard settings are honoured by boto3 itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from cfn_catalog import __version__
from cfn_catalog.errors import CatalogError, UsageError

ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "403", "Forbidden", "AllAccessDisabled"})
BAD_CREDENTIALS = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidToken",
        "RequestExpired",
    }
)
CREDENTIALS_HINT = (
    "set AWS_PROFILE (after 'aws configure' or 'aws sso login') or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)


class AwsError(CatalogError):
    """An AWS call failed in a way the user can fix."""


class CredentialsError(AwsError):
    pass


class AccessDenied(AwsError):
    pass


class NoSuchBucket(AwsError):
    pass


class NetworkError(AwsError):
    pass


@cache
def _loader():
    """One botocore data loader for every session: service models are parsed once per process, not per client."""
    from botocore.loaders import create_loader

    return create_loader()


def session(region: str | None = None):
    """A new boto3 session: one per thread, since sessions are not thread-safe (the model loader is shared)."""
    try:
        import boto3
        import botocore.session
    except ImportError:
        raise CatalogError(
            "boto3 is missing: reinstall cfn-catalog (pip install -e .) or run 'pip install boto3'"
        ) from None

    with translated("open an AWS session"):
        core = botocore.session.get_session()
        core.register_component("data_loader", _loader())
        return boto3.session.Session(botocore_session=core, region_name=region)


# Throttling, 5xx answers and dropped connections are retried with backoff (botocore's standard mode)
# up to this many attempts, unless AWS_MAX_ATTEMPTS or AWS_RETRY_MODE say otherwise.
MAX_ATTEMPTS = 10


def retry_config() -> dict[str, Any]:
    import os

    retries: dict[str, Any] = {"mode": os.environ.get("AWS_RETRY_MODE") or "standard"}
    if not os.environ.get("AWS_MAX_ATTEMPTS"):
        retries["total_max_attempts"] = MAX_ATTEMPTS
    return retries


def client(service: str, region: str | None = None):
    """A client on a session of its own (so any thread may call this), retrying what is worth retrying."""
    from botocore.config import Config

    config = Config(user_agent_extra=f"cfn-catalog/{__version__}", retries=retry_config())
    with translated(f"create a {service} client"):
        return session(region).client(service, region_name=region, config=config)


def require_credentials(action: str) -> None:
    """Fail once, in one line, before any region is tried, when no credentials resolve."""
    with translated(action):
        if session().get_credentials() is None:
            from botocore.exceptions import NoCredentialsError

            raise NoCredentialsError()


def default_region() -> str | None:
    """The region boto3 would use (AWS_DEFAULT_REGION or the AWS config file), if any."""
    try:
        return session().region_name
    except AwsError:
        return None


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    message = response.get("Error", {}).get("Message") or ""
    return " ".join(str(message).split())


def translate(exc: BaseException, action: str, *, denied_hint: str = "", missing_bucket: str = "") -> CatalogError:
    """The one-line error for a botocore exception raised while trying to `action`."""
    from botocore import exceptions as bx

    if isinstance(exc, CatalogError):
        return exc
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return CredentialsError(f"no AWS credentials found (needed to {action}): {CREDENTIALS_HINT}")
    if isinstance(exc, bx.ProfileNotFound):
        return CredentialsError(f"{exc}: fix AWS_PROFILE or add the profile to ~/.aws/config")
    if isinstance(exc, bx.SSOError | bx.TokenRetrievalError | bx.CredentialRetrievalError):
        return CredentialsError(f"cannot load AWS credentials to {action}: {exc} (run 'aws sso login'?)")
    if isinstance(exc, bx.NoRegionError):
        return UsageError(f"no AWS region to {action}: pass --region or set AWS_DEFAULT_REGION")
    if isinstance(exc, bx.ConnectionError | bx.HTTPClientError):
        return NetworkError(f"network failure trying to {action}: {exc}")
    if isinstance(exc, bx.ClientError):
        code = error_code(exc)
        message = error_message(exc) or code
        if code in ACCESS_DENIED:
            hint = f": {denied_hint}" if denied_hint else ": check the IAM policy of the caller"
            return AccessDenied(f"access denied trying to {action}{hint}")
        if code in BAD_CREDENTIALS:
            return CredentialsError(f"AWS rejected the credentials ({code}: {message}): {CREDENTIALS_HINT}")
        if code == "NoSuchBucket" and missing_bucket:
            return NoSuchBucket(missing_bucket)
        return AwsError(f"cannot {action}: {code}: {message}")
    return AwsError(f"cannot {action}: {exc}")


@contextmanager
def translated(action: str, **hints: Any) -> Iterator[None]:
    """Turn botocore exceptions raised inside the block into one-line errors."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise translate(exc, action, **hints) from None
