"""Faults and hostile environments: atomic output, no network."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

from cfn_catalog import catalog, fsutil
from cfn_catalog.cli.app import main


def _snapshot(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture
def rendered_dir(runner, in_tmp):
    result = runner.invoke(main, ["render", "--all", "-q"])
    assert result.exit_code == 0
    out = in_tmp / "templates_out"
    for path in out.iterdir():  # make every file stale, so a render must rewrite all of them
        path.write_text("committed\n")
    return out


def test_a_failed_rename_midway_leaves_no_partial_file_and_no_temporary_file(runner, rendered_dir, monkeypatch):
    before = _snapshot(rendered_dir)
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(fsutil.os, "replace", failing_replace)
    result = runner.invoke(main, ["render", "--all"])
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr and "Traceback" not in result.output
    after = _snapshot(rendered_dir)
    assert not [name for name in after if name.endswith(".tmp")]
    # Files renamed before the fault hold the new text, the rest the old: none is partial.
    for name, data in after.items():
        assert data == before[name] or data.decode() == catalog.rendered(*name.rsplit(".", 1))


def test_a_failed_write_midway_changes_nothing(runner, rendered_dir, monkeypatch):
    before = _snapshot(rendered_dir)
    real_stage = fsutil._stage
    calls = []

    def failing_stage(path, data, mode):
        calls.append(path)
        if len(calls) == 4:
            raise fsutil.OutputError(f"cannot write {path}: disk full")
        return real_stage(path, data, mode)

    monkeypatch.setattr(fsutil, "_stage", failing_stage)
    result = runner.invoke(main, ["render", "--all"])
    assert result.exit_code == 1
    assert _snapshot(rendered_dir) == before


def test_a_template_that_fails_to_build_changes_nothing(runner, rendered_dir, monkeypatch):
    before = _snapshot(rendered_dir)
    spec = catalog.specs()["route53-failover"]

    def broken():
        raise RuntimeError("simulated build failure")

    monkeypatch.setitem(catalog.specs(), "route53-failover", type(spec)(spec.name, spec.module, broken))
    catalog.template_dict.cache_clear()
    catalog._rendered.cache_clear()
    try:
        with pytest.raises(RuntimeError):
            runner.invoke(main, ["render", "--all", "--no-cache"], catch_exceptions=False)
    finally:
        catalog.template_dict.cache_clear()
        catalog._rendered.cache_clear()
    assert _snapshot(rendered_dir) == before


def test_tests_cannot_reach_the_network():
    with pytest.raises(OSError, match="network access is blocked"):
        socket.create_connection(("198.51.100.7", 443), timeout=1)


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs util-linux unshare")
def test_render_lint_and_scan_work_without_a_network(in_tmp):
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("network namespaces are not available here")
    cli = shutil.which("cfn-catalog") or os.path.join(os.path.dirname(os.sys.executable), "cfn-catalog")
    env = dict(os.environ, CFN_CATALOG_CACHE_DIR=str(in_tmp / "cache"))
    # Every template renders; linting and scanning two is enough to show neither tool calls out.
    for args in (
        ["render", "--all", "-q", "--no-cache"],
        ["lint", "route53-failover", "sam-artifacts-bucket", "-q", "--no-cache"],
        ["scan", "route53-failover"],
    ):
        result = subprocess.run(["unshare", "-rn", cli, *args], capture_output=True, text=True, env=env, cwd=in_tmp)
        assert result.returncode == 0, (args, result.stderr[-1000:])


def test_render_snapshot_is_keyed_by_every_source_byte(tmp_path):
    from cfn_catalog import snapshot

    package = tmp_path / "pkg"
    (package / "templates").mkdir(parents=True)
    (package / "templates" / "a.py").write_text("x = 1\n")
    (package / "functions.sql").write_text("select 1;\n")
    first = snapshot.fingerprint(package)
    assert snapshot.fingerprint(package) == first
    (package / "functions.sql").write_text("select 2;\n")
    second = snapshot.fingerprint(package)
    (package / "templates" / "b.py").write_text("")
    assert len({first, second, snapshot.fingerprint(package)}) == 3


def test_render_from_snapshot_equals_a_fresh_build(runner, in_tmp):
    assert runner.invoke(main, ["render", "--all", "-q", "--no-cache", "--out", "fresh"]).exit_code == 0
    assert runner.invoke(main, ["render", "--all", "-q", "--out", "first"]).exit_code == 0  # builds, saves
    catalog._snapshot = None
    assert runner.invoke(main, ["render", "--all", "-q", "--out", "cached"]).exit_code == 0  # from the snapshot
    assert catalog._snapshot is not None
    assert _snapshot(in_tmp / "cached") == _snapshot(in_tmp / "fresh") == _snapshot(in_tmp / "first")


def test_a_snapshot_for_other_sources_is_ignored(in_tmp, monkeypatch):
    from cfn_catalog import snapshot

    snapshot.save("not-the-current-key", ["x"], {"x": []}, {"x": {"yaml": "", "json": ""}})
    assert catalog.use_snapshot() is False


def test_ctrl_c_exits_130_even_while_worker_threads_run():
    """A deploy interrupted while stacks run in worker threads must not wait for them to finish."""
    import subprocess
    import sys

    code = (
        "import threading, click\n"
        "from cfn_catalog.cli.app import main\n"
        "@main.command('hang')\n"
        "def hang():\n"
        "    threading.Thread(target=threading.Event().wait).start()  # a worker that never ends\n"
        "    raise KeyboardInterrupt\n"
        "main(['hang'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130
    assert done.stderr.strip() == "Aborted: operations already started in AWS go on; follow them with 'status'."


def test_ctrl_c_exits_130_not_1(monkeypatch):
    from click.testing import CliRunner

    from cfn_catalog import catalog as catalog_module

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(catalog_module, "names", interrupted)
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 130
    assert result.stderr.strip() == "Aborted."


def test_the_readme_walkthrough_runs_offline_and_leaves_the_tree_as_it_was(tmp_path):
    """The README's moto block, run as written (on a free port, with this venv), changes no tracked file."""
    import re
    import socket
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text()
    block = readme.split("Try it without an AWS account", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    bin_dir = str(Path(sys.executable).parent)
    script = block.replace("make install\n", "").replace(".venv/bin/", f"{bin_dir}/").replace("5000", port)
    before = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"CFN_CATALOG_MAVEN_REPOSITORY": "https://127.0.0.1:9/unreachable", "HOME": str(tmp_path)}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"\bCREATE_COMPLETE\b", done.stdout)
    after = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    assert after == before
