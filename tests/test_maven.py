"""Jars from a Maven repository (a local one here) and the code bundles that ship them."""

import hashlib
import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfn_catalog.aws import maven
from cfn_catalog.aws import publish as pub
from cfn_catalog.errors import CatalogError
from cfn_catalog.functions import DIRECTORY as FUNCTIONS
from cfn_catalog.templates import kinesis_analytics_app as flink_app

COORDINATE = "org.example.streams:connector-kinesis:5.0.0-1.20"
JAR_PATH = "/org/example/streams/connector-kinesis/5.0.0-1.20/connector-kinesis-5.0.0-1.20.jar"
JAR = b"PK\x03\x04 not really a jar, but bytes all the same"


class Repository:
    """A Maven repository on the loopback interface, counting requests."""

    def __init__(self):
        self.files = {}
        self.requests = []
        repo = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                repo.requests.append(self.path)
                body = repo.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def publish(self, path, body, checksum=None, algorithms=("sha1",)):
        self.files[path] = body
        for algorithm in algorithms:
            digest = checksum or hashlib.new(algorithm, body).hexdigest()
            self.files[f"{path}.{algorithm}"] = digest.encode() + b"  file.jar\n"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def repo(monkeypatch):
    repository = Repository()
    monkeypatch.setenv(maven.REPOSITORY_ENV, repository.url)
    yield repository
    repository.stop()


def test_a_jar_is_downloaded_checked_and_then_served_from_the_cache(repo):
    repo.publish(JAR_PATH, JAR)
    assert maven.jar(COORDINATE) == JAR
    assert repo.requests == [JAR_PATH] + [f"{JAR_PATH}.{a}" for a in ("sha512", "sha256", "sha1")]
    repo.stop()  # offline from now on
    assert maven.jar(COORDINATE) == JAR
    cached = maven.cache_dir() / JAR_PATH.lstrip("/")
    assert cached.read_bytes() == JAR


def test_a_changed_cached_jar_is_downloaded_again(repo):
    repo.publish(JAR_PATH, JAR)
    maven.jar(COORDINATE)
    (maven.cache_dir() / JAR_PATH.lstrip("/")).write_bytes(b"tampered")
    assert maven.jar(COORDINATE) == JAR
    assert repo.requests.count(JAR_PATH) == 2


def test_a_jar_that_does_not_match_its_checksum_is_refused_and_not_cached(repo):
    repo.publish(JAR_PATH, JAR, checksum="0" * 40)
    with pytest.raises(CatalogError, match=r"does not match its published SHA-1: retry, or use another mirror"):
        maven.jar(COORDINATE)
    assert not (maven.cache_dir() / JAR_PATH.lstrip("/")).exists()


def test_the_strongest_published_checksum_is_the_one_checked(repo):
    repo.publish(JAR_PATH, JAR, algorithms=("sha256",))
    repo.files[JAR_PATH + ".sha1"] = b"0" * 40  # a weaker, wrong one is not consulted
    assert maven.jar(COORDINATE) == JAR
    assert JAR_PATH + ".sha1" not in repo.requests


def test_a_wrong_sha256_is_named_in_the_error(repo):
    repo.publish(JAR_PATH, JAR, checksum="0" * 64, algorithms=("sha256",))
    with pytest.raises(CatalogError, match="does not match its published SHA-256"):
        maven.jar(COORDINATE)


def test_a_repository_without_checksums_is_refused(repo):
    repo.files[JAR_PATH] = JAR
    with pytest.raises(CatalogError, match=r"publishes no checksum for .* use a repository that does"):
        maven.jar(COORDINATE)
    assert not (maven.cache_dir() / JAR_PATH.lstrip("/")).exists()


def test_a_missing_jar_names_the_coordinate_the_repository_and_the_fix(repo):
    with pytest.raises(CatalogError) as caught:
        maven.jar(COORDINATE)
    message = str(caught.value)
    assert COORDINATE in message and "HTTP 404" in message and maven.REPOSITORY_ENV in message
    assert "\n" not in message


def test_an_unreachable_repository_is_one_line_too(repo):
    repo.stop()
    with pytest.raises(CatalogError, match=r"could not download .* check the network"):
        maven.jar(COORDINATE)


@pytest.mark.parametrize("url", ["http://repo.example.com/maven2", "ftp://127.0.0.1/m2", "file:///tmp/m2"])
def test_only_https_repositories_are_used_except_on_loopback(monkeypatch, url):
    monkeypatch.setenv(maven.REPOSITORY_ENV, url)
    with pytest.raises(CatalogError, match="is not an https URL"):
        maven.jar(COORDINATE)


def test_the_default_repository_is_maven_central_over_https(monkeypatch):
    monkeypatch.delenv(maven.REPOSITORY_ENV, raising=False)
    assert maven.repository() == "https://repo1.maven.org/maven2"


@pytest.mark.parametrize("coordinate", ["connector-kinesis", "a:b", "a:b:c:d", "a b:c:d", "a:b:../c"])
def test_a_malformed_coordinate_is_refused(coordinate):
    with pytest.raises(CatalogError, match="is not a Maven coordinate"):
        maven.jar_path(coordinate)


def test_jar_paths_follow_the_repository_layout():
    assert (
        maven.jar_path("org.apache.flink:flink-sql-connector-kinesis:5.0.0-1.20")
        == "org/apache/flink/flink-sql-connector-kinesis/5.0.0-1.20/flink-sql-connector-kinesis-5.0.0-1.20.jar"
    )


# --- bundles -----------------------------------------------------------------------------------------------


def test_the_flink_bundle_zips_the_job_and_the_connector_reproducibly(repo):
    (bundle,) = flink_app.ASSETS
    (coordinate,) = bundle["Maven"].values()
    repo.publish("/" + maven.jar_path(coordinate), JAR)
    key, body = pub.asset_body(bundle, FUNCTIONS, "kinesis-analytics-app.yaml")
    assert key == "flink_tumbling_window.zip"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == ["flink_tumbling_window.py", "lib/flink-sql-connector-kinesis-5.0.0-1.20.jar"]
        assert archive.read("flink_tumbling_window.py") == (FUNCTIONS / "flink_tumbling_window.py").read_bytes()
        assert archive.read("lib/flink-sql-connector-kinesis-5.0.0-1.20.jar") == JAR
        assert {info.date_time for info in archive.infolist()} == {pub.ZIP_EPOCH}
    assert pub.asset_body(bundle, FUNCTIONS, "again")[1] == body
    assert pub.asset_source(bundle) == f"functions/flink_tumbling_window.py + {coordinate}"


def test_publishing_the_flink_app_uploads_its_bundle_beside_it(repo):
    (bundle,) = flink_app.ASSETS
    repo.publish("/" + maven.jar_path(bundle["Maven"]["lib/flink-sql-connector-kinesis-5.0.0-1.20.jar"]), JAR)
    uploads, roots, _ = pub.plan(["kinesis-analytics-app"], prefix="p/", version="1.2.3")
    assert roots == ["kinesis-analytics-app"]
    keys = [upload.key for upload in uploads]
    assert keys == [
        "p/1.2.3/assets/flink_tumbling_window.zip",
        "p/1.2.3/kinesis-analytics-app.yaml",
        "p/latest/assets/flink_tumbling_window.zip",
        "p/latest/kinesis-analytics-app.yaml",
    ]
    assert uploads[0].content_type == "application/zip"


@pytest.mark.parametrize(
    ("bundle", "problem"),
    [
        ({"Zip": "../x.zip", "Files": {}}, "must be a relative path"),
        ({"Zip": "x.tar", "Files": {}}, "must be named \\*.zip"),
        ({"Zip": "x.zip", "Files": {"a.py": "missing.py"}}, "not found"),
        ({"Zip": "x.zip", "Files": {"../a.py": "helloworld.py"}}, "must be relative, without '..'"),
        ({"Zip": "x.zip", "Maven": {"lib/x.jar": "not-a-coordinate"}}, "is not a Maven coordinate"),
    ],
)
def test_a_broken_bundle_is_one_clear_error(bundle, problem):
    with pytest.raises(CatalogError, match=problem):
        pub.asset_body(bundle, FUNCTIONS, "t.yaml")


@pytest.mark.parametrize(
    "assets",
    [
        [{"Zip": "x.zip", "Extra": {}}],
        [{"Zip": 3}],
        [{"Zip": "x.zip", "Files": ["a.py"]}],
        [{"Zip": "x.zip", "Maven": {"lib/x.jar": 1}}],
        "x.py",
    ],
)
def test_malformed_asset_lists_are_refused(assets):
    import json

    text = json.dumps({"Metadata": {"cfn-catalog": {"Assets": assets}}, "Resources": {}})
    with pytest.raises(CatalogError, match=r"Metadata\.cfn-catalog\.Assets must list"):
        pub.declared_assets(text)


entry_names = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_.-", min_size=1, max_size=12), min_size=1, max_size=3
).map("/".join)


@given(st.dictionaries(entry_names, st.binary(max_size=256), min_size=1, max_size=6), st.randoms())
def test_zips_depend_only_on_names_and_contents(entries, rng):
    shuffled = list(entries.items())
    rng.shuffle(shuffled)
    body = pub.zip_entries(entries)
    assert pub.zip_entries(dict(shuffled)) == body
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == entries
        assert archive.namelist() == sorted(entries)
