"""One wave of independent stacks deployed by `solution deploy` against a local moto server.

Every AWS call is delayed by a simulated round trip (--latency, default 50 ms),
since moto answers in microseconds and real CloudFormation does not. Prints
JSON: the wave's wall time, the slowest stack's time and the sum of the
stacks' times; a wave that runs its stacks concurrently takes about the time
of its slowest stack, not the sum.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stacks", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto").setLevel(logging.ERROR)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://{host}:{port}",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    os.environ.pop("AWS_PROFILE", None)
    from cfn_catalog import aws, solutions
    from cfn_catalog.aws import deploy as deployer
    from cfn_catalog.aws import solution as runner

    real_client = aws.client

    def slow_client(service, region=None):
        client = real_client(service, region)
        client.meta.events.register("before-send", lambda **_: time.sleep(args.latency))
        return client

    aws.client = slow_client
    deployer.aws.client = slow_client
    runner.aws.client = slow_client
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            regions = ["us-east-1", "us-west-2"]
            steps = "\n".join(
                f"  s{i}: {{Template: sam-artifacts-bucket, StackName: bench-{i}, Region: {regions[i % 2]}}}"
                for i in range(args.stacks)
            )
            (root / "wave.yaml").write_text(f"Description: one wave of independent stacks\nSteps:\n{steps}\n")
            plan = solutions.plan("wave", "example", root=root, params_dir=ROOT / "params")
            started = time.perf_counter()
            results = runner.deploy(
                plan,
                yes=True,
                max_parallel=args.stacks,
                poll=0.2,
                directory=ROOT / "templates_out",
                params_dir=ROOT / "params",
            )
            wall = time.perf_counter() - started
    finally:
        server.stop()
    if not all(r.outcome == "created" for r in results):
        raise SystemExit(f"wave did not deploy: {[(r.label, r.message) for r in results]}")
    seconds = [r.seconds for r in results]
    print(json.dumps({"stacks": len(results), "wall": wall, "slowest": max(seconds), "sum": sum(seconds)}))


if __name__ == "__main__":
    main()
