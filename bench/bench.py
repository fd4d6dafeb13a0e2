"""Time the CLI against floors measured in the same run, and check the targets.

Absolute times differ between machines; ratios to a floor measured in the same
run on the same machine hold. Commands run round-robin, one warm-up round and
then RUNS rounds, so load changes hit a floor and its command alike; the
median wall time counts. Peak memory (max RSS) of each command is reported.
Exit status 1 when a target is missed.

    python bench/bench.py              # real targets, 11 runs each
    python bench/bench.py --quick      # CI: 3 runs, targets with 3x slack
    python bench/bench.py --make-test  # also time `make test` (target 90 s)

Solutions: `solution plan` of every solution against `list`, and one wave of
independent stacks deployed against a local moto server with a simulated API
round trip (bench/solution_wave.py): its wall time against its slowest stack.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLI = str(BIN / "cfn-catalog")
TRIVIAL_TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Description: trivial template to measure cfn-lint's fixed start-up cost
Resources:
  Topic:
    Type: AWS::SNS::Topic
"""


def run_once(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run; raise if it fails."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(
            f"benchmark command failed ({proc.returncode}): {' '.join(command)}\n{proc.stderr.read().decode()}"
        )
    proc.stderr.close()
    return elapsed, usage.ru_maxrss


def measure_all(commands: dict[str, tuple[list[str], int]], env: dict[str, str]) -> dict[str, tuple[float, int]]:
    """Median wall time and peak RSS per command. Commands run round-robin (one
    warm-up round first), so a change in machine load affects a floor and the
    command compared with it alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, int] = dict.fromkeys(commands, 0)
    rounds = max(runs for _, runs in commands.values())
    for round_number in range(rounds + 1):
        for name, (command, runs) in commands.items():
            if round_number > runs:
                continue
            elapsed, peak = run_once(command, env, ROOT)
            if round_number:  # round 0 warms caches
                times[name].append(elapsed)
                peaks[name] = max(peaks[name], peak)
    return {name: (statistics.median(values), peaks[name]) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs and 2x slack on every target (for CI)")
    parser.add_argument("--runs", type=int, help="timed runs per command (default 7, quick 3)")
    parser.add_argument("--make-test", action="store_true", help="also time one `make test` (target 90 s)")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 11)
    slack = 3.0 if args.quick else 1.0

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ, CFN_CATALOG_CACHE_DIR=str(tmp_path / "cache"), PYTHONDONTWRITEBYTECODE="")
        env.pop("AWS_PROFILE", None)
        trivial = tmp_path / "trivial.yaml"
        trivial.write_text(TRIVIAL_TEMPLATE)
        out_dir = tmp_path / "out"
        py = sys.executable

        render_cmd = [CLI, "render", "--all", "-q", "--out", str(out_dir)]
        lint_cmd = [CLI, "lint", "--all", "-q", "--dir", str(ROOT / "templates_out")]
        solution_names = sorted(p.stem for p in (ROOT / "solutions").glob("*.yaml"))
        plans = {
            f"solution plan {name}": ([CLI, "solution", "plan", name, "--env", "example"], runs)
            for name in solution_names
        }
        figures = measure_all(
            {
                "cfn-catalog list": ([CLI, "list"], runs),
                **plans,
                "python -c 'import click'": ([py, "-c", "import click"], runs),
                "cfn-catalog --help": ([CLI, "--help"], runs),
                "python -c 'import troposphere, awacs, yaml'": ([py, "-c", "import troposphere, awacs, yaml"], runs),
                "cfn-catalog render --all --no-cache (build)": ([*render_cmd, "--no-cache"], runs),
                "cfn-catalog render --all": (render_cmd, runs),
                "cfn-lint trivial.yaml": ([str(BIN / "cfn-lint"), str(trivial)], runs),
                "cfn-catalog lint --all (no cache)": ([*lint_cmd, "--no-cache"], max(1, runs // 2)),
                "cfn-catalog lint --all (cached)": (lint_cmd, runs),
            },
            env,
        )

        def ratio(a: str, b: str) -> float:
            return figures[a][0] / figures[b][0]

        build_share = (
            figures["cfn-catalog render --all --no-cache (build)"][0]
            - figures["python -c 'import troposphere, awacs, yaml'"][0]
        )
        targets = [
            ("--help vs import click", ratio("cfn-catalog --help", "python -c 'import click'"), 1.5),
            (
                "render --all vs import troposphere, awacs, yaml",
                ratio("cfn-catalog render --all", "python -c 'import troposphere, awacs, yaml'"),
                2.5,
            ),
            (
                "lint --all vs cfn-lint on one trivial template",
                ratio("cfn-catalog lint --all (no cache)", "cfn-lint trivial.yaml"),
                3.0,
            ),
            ("cached re-lint vs --help", ratio("cfn-catalog lint --all (cached)", "cfn-catalog --help"), 2.0),
        ]
        slowest_plan = max(plans, key=lambda name: figures[name][0])
        targets.append(
            (f"slowest {slowest_plan.removeprefix('solution ')} vs list", ratio(slowest_plan, "cfn-catalog list"), 1.5)
        )
        wave = json.loads(
            subprocess.run(
                [py, str(ROOT / "bench" / "solution_wave.py")],
                cwd=ROOT,
                env=env,
                capture_output=True,
                check=True,
                text=True,
            ).stdout
        )
        targets.append(
            ("solution deploy: a wave's wall time vs its slowest stack", wave["wall"] / wave["slowest"], 1.5)
        )

        print(f"{'command':<48} {'median s':>9} {'peak MiB':>9}")
        for name, (seconds, peak) in figures.items():
            print(f"{name:<48} {seconds:>9.3f} {peak / 1024:>9.1f}")
        print()
        failed = False
        print(f"{'target':<52} {'ratio':>6} {'limit':>6}")
        for name, value, limit in targets:
            ok = value <= limit * slack
            failed |= not ok
            print(f"{name:<52} {value:>6.2f} {limit * slack:>6.2f}  {'ok' if ok else 'MISSED'}")

        print(f"\nbuilding and emitting the whole catalog (cold render minus the import floor): {build_share:.3f} s")
        print(
            f"solution deploy, one wave of {wave['stacks']} independent stacks against moto (50 ms per call): "
            f"{wave['wall']:.2f} s; slowest stack {wave['slowest']:.2f} s; sum of the stacks {wave['sum']:.2f} s"
        )
        if args.make_test:
            started = time.perf_counter()
            result = subprocess.run(["make", "test"], cwd=ROOT, env=env, capture_output=True)
            elapsed = time.perf_counter() - started
            ok = result.returncode == 0 and elapsed <= 90 * slack
            failed |= not ok
            print(f"{'make test (s)':<52} {elapsed:>6.1f} {90 * slack:>6.0f}  {'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
