import json
import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from cfn_catalog import catalog

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_OUT = ROOT / "templates_out"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Never read or write the user's caches from tests; no render snapshot leaks between tests."""
    monkeypatch.setenv("CFN_CATALOG_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    catalog._snapshot = None


LOOPBACK = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests run offline: only loopback connections (a local moto server) are allowed."""
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family == socket.AF_UNIX or str(host).startswith(LOOPBACK):
            return real_connect(self, address)
        raise OSError(f"network access is blocked in tests (tried {address})")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


def custom_resource_event(request_type, logical_id, properties, physical_id, old_properties=None):
    """A CloudFormation custom resource request; PhysicalResourceId is set after Create, as CloudFormation does."""
    body = {
        "RequestType": request_type,
        "ResponseURL": "https://cloudformation-custom-resource-response.example.com/r",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "RequestId": "r1",
        "LogicalResourceId": logical_id,
        "ResourceProperties": {"ServiceToken": "arn", **properties},
    }
    if request_type != "Create":
        body["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        body["OldResourceProperties"] = {"ServiceToken": "arn", **old_properties}
    return body


@pytest.fixture
def responses(monkeypatch):
    """What custom resource handlers (functions/cfn_response.send) send back to CloudFormation, in order."""
    from cfn_catalog.functions import cfn_response

    sent = []

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b""

    def urlopen(request, timeout):
        sent.append({"url": request.full_url, "method": request.get_method(), **json.loads(request.data)})
        return Response()

    monkeypatch.setattr(cfn_response.urllib.request, "urlopen", urlopen)
    return sent


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in an empty directory (commands default to ./templates_out)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def all_names():
    return catalog.names()


def resources_of_type(name, rtype):
    return {k: v for k, v in catalog.resources(name).items() if v["Type"] == rtype}


def has_properties(actual, expected):
    """Subset match: every key in `expected` is in `actual` with a matching value."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and has_properties(actual[k], v) for k, v in expected.items()
        )
    return actual == expected


os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(autouse=True, scope="session")
def _one_botocore_model_loader():
    """Every boto3 session in the tests shares one data loader, so AWS service models are parsed once per worker.

    The handlers under test create clients from fresh default sessions (as in Lambda); without this each client
    re-reads its service's JSON model, which dominated the AWS tests' time. The loader only caches read-only data.
    """
    import botocore.session
    from botocore.loaders import create_loader

    loaders: dict = {}
    real = botocore.session.create_loader

    def shared(search_path_string=None):
        if search_path_string not in loaders:
            loaders[search_path_string] = create_loader(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared
    yield
    botocore.session.create_loader = real
