"""Fixtures for tests that talk to (moto's) AWS: fake credentials, in-process moto, a local moto server.

Nothing here reaches AWS: credentials are fake, config files point nowhere,
instance metadata is off, and the conftest blocks every non-loopback socket.
"""

import contextlib
import json
import os
import socket
import threading
import urllib.request

import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from cfn_catalog import catalog, registry
from cfn_catalog.cli.app import main

REGION = "us-east-1"
AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@pytest.fixture
def aws_env(monkeypatch, tmp_path_factory):
    """Fake credentials and a default region; no profile, no config file, no instance metadata."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("CFN_CATALOG_PARAM_"):
            monkeypatch.delenv(name)
    nowhere = tmp_path_factory.mktemp("aws") / "missing"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(nowhere))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def mocked(aws_env):
    """moto in-process: every boto3 call in the test goes to moto's backends."""
    with mock_aws():
        yield


@pytest.fixture(scope="module")
def moto_server():
    """A moto server on a free loopback port, shared by a module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield server, f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def endpoint(moto_server, aws_env, monkeypatch):
    """AWS_ENDPOINT_URL at a freshly reset moto server (boto3 honours it natively)."""
    _, url = moto_server
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    return url


@pytest.fixture
def cli():
    """The real CLI group, with the AWS commands added (for this test only) if cli.py does not wire them yet."""
    from cfn_catalog.cli import aws_commands as cli_aws

    before = dict(main.commands)
    if "publish" not in main.commands:
        cli_aws.register(main)
    yield main
    main.commands.clear()
    main.commands.update(before)


def deny_put_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"},
            ],
        }
    )


class CuttableProxy:
    """A loopback TCP proxy in front of the moto server whose cable can be pulled."""

    def __init__(self, target_url: str):
        host, port = target_url.removeprefix("http://").split(":")
        self.target = (host, int(port))
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.sockets: list[socket.socket] = []
        self.cut_off = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_off:
                client.close()
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse new connections and drop open ones, as a network failure would."""
        self.cut_off = True
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


@pytest.fixture
def register(monkeypatch, tmp_path):
    """Register extra templates (name -> build) and render them into a templates directory."""
    out = tmp_path / "out"
    out.mkdir()
    real = catalog.specs()
    extra: dict[str, registry.TemplateSpec] = {}
    monkeypatch.setattr(catalog, "specs", lambda: {**real, **extra})

    def add(builds: dict) -> object:
        for name, build in builds.items():
            extra[name] = registry.TemplateSpec(name=name, module=f"tests.{name}", build=build)
        for name in builds:
            (out / f"{name}.yaml").write_text(catalog.rendered(name, "yaml"))
        return out

    yield add
    for cached in (catalog.template_dict, catalog.rendered, getattr(catalog, "_rendered", None)):
        getattr(cached, "cache_clear", lambda: None)()  # forget the fake templates
