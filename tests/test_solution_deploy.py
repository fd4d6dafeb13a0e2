"""`cfn-catalog solution deploy|status|delete|plan --changes` against moto.

moto does not recompute a stack's Outputs when a change set is executed (it
does for CreateStack/UpdateStack); the `outputs_after_change_sets` fixture
makes it, so output wiring can be proven end to end. Everything else is
moto's own behaviour.
"""

import json
import textwrap
import threading
import time

import boto3
import pytest
from conftest import ROOT, TEMPLATES_OUT
from moto.cloudformation.models import ChangeSet
from troposphere import Output, Parameter, Ref, Template
from troposphere.sns import Topic

from cfn_catalog import solutions
from cfn_catalog.aws import deploy as dep
from cfn_catalog.aws import solution as runner
from cfn_catalog.solutions import Node, Plan

pytest_plugins = ["aws_fixtures"]  # aws_env, mocked, moto_server, endpoint, cli, register
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")
PARAMS = ROOT / "params"
EAST, WEST, EU = "us-east-1", "us-west-2", "eu-west-1"


@pytest.fixture
def outputs_after_change_sets(monkeypatch):
    original = ChangeSet.apply

    def apply(self):
        original(self)
        self.stack.template = self.template
        self.stack._parse_template()
        self.stack.output_map = self.stack._create_output_map()

    monkeypatch.setattr(ChangeSet, "apply", apply)


def write(tmp_path, name, text):
    root = tmp_path / "solutions"
    root.mkdir(exist_ok=True)
    (root / f"{name}.yaml").write_text(textwrap.dedent(text))
    return root


def parameters(stack_name, region):
    cf = boto3.client("cloudformation", region_name=region)
    return {
        p["ParameterKey"]: p["ParameterValue"]
        for p in cf.describe_stacks(StackName=stack_name)["Stacks"][0]["Parameters"]
    }


def stack_names(region):
    cf = boto3.client("cloudformation", region_name=region)
    return {s["StackName"] for s in cf.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"}


def deploy(plan, **kwargs):
    kwargs.setdefault("yes", True)
    kwargs.setdefault("poll", 0)
    kwargs.setdefault("directory", TEMPLATES_OUT)
    kwargs.setdefault("params_dir", PARAMS)
    log = kwargs.setdefault("reporter", dep.Log())
    return runner.deploy(plan, **kwargs), log


# ---------------------------------------------------------------- a catalog solution, end to end

EBS = """
Description: EBS snapshots copied to a DR region
Values: {Primary: us-east-1, DR: eu-west-1}
Steps:
  dr: {Template: ebs-snapshot-dr, Region: !Value DR}
  primary:
    Template: ebs-snapshot-primary
    Region: !Value Primary
    Parameters: {DRRegion: !Region dr}
"""


def test_ebs_snapshot_management_deploys_redeploys_reports_and_deletes_in_reverse(mocked, tmp_path):
    plan = solutions.plan("ebs", "example", root=write(tmp_path, "ebs", EBS), params_dir=PARAMS)

    results, log = deploy(plan)

    assert [(r.label, r.outcome) for r in results] == [(f"dr@{EU}", "created"), (f"primary@{EAST}", "created")]
    assert "ebs-snapshot-dr-example" in stack_names(EU) and "ebs-snapshot-dr-example" not in stack_names(EAST)
    # the profile says us-east-2; the solution's wiring wins
    assert parameters("ebs-snapshot-primary-example", EAST)["DRRegion"] == EU
    assert f"[dr@{EU}] creating stack ebs-snapshot-dr-example" in "\n".join(f"[{r}] {t}" for r, _, t in log.lines)

    again, _ = deploy(plan)
    assert [r.outcome for r in again] == ["unchanged", "unchanged"]
    assert all("up to date" in r.message for r in again)

    assert [(n.label, info.status) for n, info in runner.status(plan)] == [
        (f"dr@{EU}", "CREATE_COMPLETE"),
        (f"primary@{EAST}", "CREATE_COMPLETE"),
    ]

    gone = runner.delete(plan, yes=True, poll=0)
    assert [(r.label, r.outcome) for r in gone] == [(f"primary@{EAST}", "deleted"), (f"dr@{EU}", "deleted")]
    assert "ebs-snapshot-primary-example" not in stack_names(EAST)
    assert "ebs-snapshot-dr-example" not in stack_names(EU)
    again = runner.delete(plan, yes=True, poll=0)
    assert [r.outcome for r in again] == ["absent", "absent"]


def test_the_cli_deploys_reports_status_and_deletes_a_solution(mocked, tmp_path, cli, runner_cli):
    root = str(write(tmp_path, "ebs", EBS))
    common = ["--env", "example", "--solutions-dir", root, "--dir", str(TEMPLATES_OUT)]
    result = runner_cli.invoke(cli, ["solution", "deploy", "ebs", *common, "--yes", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [(r["step"], r["outcome"]) for r in json.loads(result.stdout)] == [("dr", "created"), ("primary", "created")]
    assert "2 created" in result.stderr

    status = runner_cli.invoke(
        cli, ["solution", "status", "ebs", "--env", "example", "--solutions-dir", root, "--json"]
    )
    assert status.exit_code == 0
    assert {(s["step"], s["region"], s["status"]) for s in json.loads(status.stdout)} == {
        ("dr", EU, "CREATE_COMPLETE"),
        ("primary", EAST, "CREATE_COMPLETE"),
    }

    declined = runner_cli.invoke(
        cli, ["solution", "delete", "ebs", "--env", "example", "--solutions-dir", root], input="n\n"
    )
    assert declined.exit_code == 1 and "ebs-snapshot-primary-example" in stack_names(EAST)
    deleted = runner_cli.invoke(
        cli, ["solution", "delete", "ebs", "--env", "example", "--solutions-dir", root, "--yes"]
    )
    assert deleted.exit_code == 0, deleted.output
    assert deleted.stdout.splitlines()[:2] == [
        f"primary@{EAST}: deleted: deleted ebs-snapshot-primary-example",
        f"dr@{EU}: deleted: deleted ebs-snapshot-dr-example",
    ]
    missing = runner_cli.invoke(cli, ["solution", "status", "ebs", "--env", "example", "--solutions-dir", root])
    assert missing.exit_code == 1 and f"dr@{EU}: ebs-snapshot-dr-example: not deployed" in missing.stdout


@pytest.fixture
def runner_cli():
    from click.testing import CliRunner

    return CliRunner()


# ---------------------------------------------------------------- wiring outputs, failures, resuming (small templates)


def producer() -> Template:
    t = Template(Description="a topic whose name is an output")
    t.add_parameter(Parameter("Label", Type="String", Default="x"))
    topic = t.add_resource(Topic("Topic"))
    t.add_output(Output("TopicName", Value=Ref(topic)))
    t.add_output(Output("Label", Value=Ref("Label")))
    return t


def consumer() -> Template:
    t = Template(Description="takes a topic name and a label")
    t.add_parameter(Parameter("TopicArn", Type="String"))
    t.add_parameter(Parameter("Label", Type="String", Default="none"))
    t.add_resource(Topic("Topic"))
    return t


def secret() -> Template:
    t = Template(Description="needs a NoEcho value")
    t.add_parameter(Parameter("Secret", Type="String", NoEcho=True))
    t.add_resource(Topic("Topic"))
    t.add_output(Output("TopicName", Value=Ref("Topic")))
    return t


WIRED = """
Description: outputs of each region's producer wired into that region's consumer, and across regions
Steps:
  make: {Template: demo-producer, Regions: [us-east-1, us-west-2], Parameters: {Label: {us-east-1: east, us-west-2: west}}}
  use:
    Template: demo-consumer
    Regions: [us-east-1, us-west-2]
    Parameters:
      TopicArn: !Output make.TopicName
      Label: !Output make@us-west-2.Label
"""


def test_outputs_are_wired_per_region_and_across_regions(mocked, outputs_after_change_sets, register, tmp_path):
    out = register({"demo-producer": producer, "demo-consumer": consumer})
    plan = solutions.plan("wired", "dev", root=write(tmp_path, "wired", WIRED), params_dir=tmp_path / "params")

    results, _ = deploy(plan, directory=out, params_dir=tmp_path / "params")

    assert all(r.outcome == "created" for r in results), [(r.label, r.message) for r in results]
    for region in (EAST, WEST):
        cf = boto3.client("cloudformation", region_name=region)
        made = cf.describe_stacks(StackName="demo-producer-dev")["Stacks"][0]
        topic = {o["OutputKey"]: o["OutputValue"] for o in made["Outputs"]}["TopicName"]
        used = parameters("demo-consumer-dev", region)
        assert used["TopicArn"] == topic and f":{region}:" in topic
        assert used["Label"] == "west"


def test_a_failure_skips_only_what_needs_it_and_a_rerun_resumes(
    mocked, outputs_after_change_sets, register, tmp_path, monkeypatch
):
    out = register({"demo-producer": producer, "demo-consumer": consumer, "demo-secret": secret})
    root = write(
        tmp_path,
        "partial",
        """
        Description: one branch fails, the other deploys
        Steps:
          secret: {Template: demo-secret, Region: us-east-1}
          after-secret: {Template: demo-consumer, Region: us-east-1, StackName: after-secret, Parameters: {TopicArn: !Output secret.TopicName}}
          later: {Template: demo-consumer, Region: us-east-1, StackName: later, DependsOn: [after-secret], Parameters: {TopicArn: t}}
          independent: {Template: demo-producer, Region: us-east-1}
        """,
    )
    plan = solutions.plan("partial", "dev", root=root, params_dir=tmp_path / "params")
    monkeypatch.delenv("CFN_CATALOG_PARAM_Secret", raising=False)

    results, _ = deploy(plan, directory=out, params_dir=tmp_path / "params", environ={})

    outcome = {r.step: (r.outcome, r.message) for r in results}
    assert outcome["secret"][0] == "failed" and "CFN_CATALOG_PARAM_Secret" in outcome["secret"][1]
    assert outcome["after-secret"] == ("skipped", f"not started: secret@{EAST} did not deploy")
    assert outcome["later"] == ("skipped", f"not started: after-secret@{EAST} did not deploy")
    assert outcome["independent"][0] == "created"
    assert stack_names(EAST) == {"demo-producer-dev"}

    resumed, _ = deploy(
        plan, directory=out, params_dir=tmp_path / "params", environ={"CFN_CATALOG_PARAM_Secret": "s3cret"}
    )
    assert {r.step: r.outcome for r in resumed} == {
        "secret": "created",
        "independent": "unchanged",
        "after-secret": "created",
        "later": "created",
    }


def test_a_wave_of_independent_stacks_runs_concurrently_and_dependents_wait():
    """Three independent stacks must all be running at once (a barrier proves it), the fourth after them."""
    plan = _fake_plan({"a": set(), "b": set(), "c": set(), "d": {"a", "b", "c"}})
    barrier = threading.Barrier(3, timeout=5)
    started: list[str] = []

    def run_one(node: Node) -> runner.StackResult:
        started.append(node.step)
        if node.step != "d":
            barrier.wait()  # raises BrokenBarrierError unless a, b and c overlap
        return runner.StackResult(node.step, node.region, node.stack_name, "created")

    results = runner._schedule(plan, run_one, max_parallel=4, reporter=dep.Reporter())
    assert {k[0]: r.outcome for k, r in results.items()} == dict.fromkeys("abcd", "created")
    assert started[-1] == "d"


def test_max_parallel_caps_the_stacks_running_at_once():
    plan = _fake_plan({name: set() for name in "abcdef"})
    running, peak, lock = [0], [0], threading.Lock()

    def run_one(node: Node) -> runner.StackResult:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return runner.StackResult(node.step, node.region, node.stack_name, "created")

    runner._schedule(plan, run_one, max_parallel=2, reporter=dep.Reporter())
    assert peak[0] == 2


def _fake_plan(needs: dict[str, set[str]]) -> Plan:
    from cfn_catalog.params import Profile

    nodes = {
        (step, EAST): Node(step, "demo", "dev", EAST, step, Profile("demo", "dev", ROOT), {}, {(n, EAST) for n in deps})
        for step, deps in needs.items()
    }
    waves = [sorted(k for k in nodes if not nodes[k].needs), sorted(k for k in nodes if nodes[k].needs)]
    return Plan(solution=None, env="dev", nodes=nodes, waves=[w for w in waves if w])


# ---------------------------------------------------------------- plan --changes


def test_plan_changes_reviews_what_can_be_created_now_and_leaves_nothing_behind(
    mocked, register, tmp_path, cli, runner_cli
):
    register({"demo-producer": producer, "demo-consumer": consumer})
    out = tmp_path / "out"
    root = write(tmp_path, "wired", WIRED)
    args = ["solution", "plan", "wired", "--env", "dev", "--changes", "--json", "--solutions-dir", str(root)]
    result = runner_cli.invoke(cli, [*args, "--params-dir", str(tmp_path / "params"), "--dir", str(out)])
    assert result.exit_code == 0, result.output
    changes = {(c["step"], c["region"]): c for c in json.loads(result.stdout)["changes"]}
    assert changes[("make", EAST)]["outcome"] == "reviewed"
    assert any("AWS::SNS::Topic" in line for line in changes[("make", EAST)]["changes"])
    assert changes[("use", WEST)]["outcome"] == "pending"
    assert "no stack demo-producer-dev" in changes[("use", WEST)]["message"]
    assert stack_names(EAST) == set() and stack_names(WEST) == set()


def test_an_unknown_solution_is_one_line_and_exit_2(cli, runner_cli, aws_env):
    result = runner_cli.invoke(cli, ["solution", "deploy", "nope", "--env", "example"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["Error: unknown solution 'nope' (see 'cfn-catalog solution list')"]


# ---------------------------------------------------------------- faults


def test_throttled_and_failing_calls_are_retried_not_reported_as_failures(mocked, tmp_path, monkeypatch):
    """The first calls of each kind answer Throttling or 503; botocore's standard retry mode absorbs them."""
    from botocore.awsrequest import AWSResponse

    from cfn_catalog import aws

    monkeypatch.delenv("AWS_MAX_ATTEMPTS")  # the fixtures turn retries off; use the tool's own setting
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0)
    failed: dict[str, int] = {}
    real = aws.client

    class Headers(dict):
        pass

    def flaky(**kwargs):
        operation = kwargs["event_name"].rsplit(".", 1)[-1]
        failed[operation] = failed.get(operation, 0) + 1
        if failed[operation] == 1:
            return AWSResponse(
                kwargs["request"].url,
                400,
                Headers({"Content-Type": "text/xml"}),
                type(
                    "Raw",
                    (),
                    {
                        "stream": lambda self, **_: iter(
                            [
                                b"<ErrorResponse><Error><Code>Throttling</Code>"
                                b"<Message>Rate exceeded</Message></Error></ErrorResponse>"
                            ]
                        )
                    },
                )(),
            )
        if failed[operation] == 2:
            return AWSResponse(
                kwargs["request"].url, 503, Headers(), type("Raw", (), {"stream": lambda self, **_: iter([b""])})()
            )
        return None

    def client(service, region=None):
        made = real(service, region)
        if service == "cloudformation":
            made.meta.events.register_first("before-send", flaky)  # ahead of moto
        return made

    monkeypatch.setattr(aws, "client", client)
    plan = solutions.plan("ebs", "example", root=write(tmp_path, "ebs", EBS), params_dir=PARAMS)

    results, _ = deploy(plan)

    assert [r.outcome for r in results] == ["created", "created"], [r.message for r in results]
    assert failed["DescribeStacks"] > 2 and failed["CreateChangeSet"] > 2, failed
    assert aws.retry_config() == {"mode": "standard", "total_max_attempts": aws.MAX_ATTEMPTS}


def test_polling_backs_off_and_costs_one_call_per_poll():
    from itertools import islice

    assert list(islice(dep.backoff(2.0), 6)) == [2.0, 3.0, 4.5, 6.75, 8.0, 8.0]
    assert list(islice(dep.backoff(0), 3)) == [0, 0, 0]


# ---------------------------------------------------------------- references in a profile, outside a solution


def test_deploy_resolves_a_profiles_references_from_the_other_templates_stacks(
    mocked, outputs_after_change_sets, register, tmp_path, monkeypatch
):
    out = register({"demo-producer": producer, "demo-consumer": consumer})
    root = tmp_path / "params"
    (root / "demo-consumer").mkdir(parents=True)
    (root / "demo-consumer" / "dev.yaml").write_text(
        "Regions: [us-east-1]\nParameters:\n  TopicArn: !Output demo-producer.TopicName\n  Label: !Env DEMO_LABEL\n"
    )
    (root / "demo-producer").mkdir()
    (root / "demo-producer" / "dev.yaml").write_text("Regions: [us-east-1]\n")
    common = {"directory": out, "params_dir": root, "poll": 0, "yes": True}

    with pytest.raises(
        dep.DeployError,
        match=r"dev.yaml:3: !Output demo-producer.TopicName: no stack demo-producer-dev in us-east-1: deploy it first",
    ):
        dep.deploy("demo-consumer", "dev", environ={"DEMO_LABEL": "x"}, **common)

    dep.deploy("demo-producer", "dev", [EAST], **common)
    with pytest.raises(
        dep.UsageError, match=r"dev\.yaml:4: !Env DEMO_LABEL: the environment variable DEMO_LABEL is not set"
    ):
        dep.deploy("demo-consumer", "dev", environ={}, **common)
    (result,) = dep.deploy("demo-consumer", "dev", environ={"DEMO_LABEL": "from-env"}, **common)

    assert result.outcome == "created"
    used = parameters("demo-consumer-dev", EAST)
    topic = boto3.client("cloudformation").describe_stacks(StackName="demo-producer-dev")["Stacks"][0]["Outputs"][0]
    assert used == {"TopicArn": topic["OutputValue"], "Label": "from-env"}
