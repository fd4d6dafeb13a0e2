"""StackSet profiles: the section checked offline, and deploy/status/delete through StackSets against moto.

moto runs self-managed stack sets for real (each instance is a stack in its
region) and finishes every operation at once; service-managed calls are
checked as far as moto accepts them, and their request shapes are asserted.
"""

import json
import shutil
import textwrap

import boto3
import pytest
from conftest import ROOT, TEMPLATES_OUT
from moto.cloudformation import models as moto_models
from moto.core import DEFAULT_ACCOUNT_ID

from cfn_catalog import params
from cfn_catalog.aws import deploy as dep
from cfn_catalog.aws import stackset

pytest_plugins = ["aws_fixtures"]  # aws_env, mocked, moto_server, endpoint, cli, register
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")
PARAMS = ROOT / "params"
EAST, WEST, EU = "us-east-1", "us-west-2", "eu-west-1"
SAM = "sam-artifacts-bucket"


def profile_dir(tmp_path, text, template=SAM, env="set"):
    root = tmp_path / "params"
    (root / template).mkdir(parents=True, exist_ok=True)
    (root / template / f"{env}.yaml").write_text(textwrap.dedent(text))
    return root


SELF = """
StackName: artifacts
Parameters:
  NoncurrentVersionExpirationDays: {days}
StackSet:
  PermissionModel: SELF_MANAGED
  Accounts: ['{account}']
  Regions: {regions}
  OperationPreferences: {{RegionConcurrency: PARALLEL, MaxConcurrent: 1, FailureTolerance: 0}}
"""


def self_managed(tmp_path, *, days=30, regions=(EAST, WEST)):
    return profile_dir(tmp_path, SELF.format(days=days, account=DEFAULT_ACCOUNT_ID, regions=json.dumps(list(regions))))


def run(root, **kwargs):
    kwargs.setdefault("yes", True)
    kwargs.setdefault("poll", 0)
    kwargs.setdefault("directory", TEMPLATES_OUT)
    log = kwargs.setdefault("reporter", dep.Log())
    return stackset.deploy(SAM, "set", params_dir=root, **kwargs), log


def instance_stacks(region):
    cf = boto3.client("cloudformation", region_name=region)
    return [s for s in cf.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]


def stack_set(name="artifacts"):
    return boto3.client("cloudformation").describe_stack_set(StackSetName=name)["StackSet"]


# ---------------------------------------------------------------- the section, offline


def test_the_shipped_stack_set_profiles_are_valid():
    loaded = params.load(SAM, "stackset", PARAMS)
    assert loaded.stack_set.accounts == ["111122223333"] and loaded.stack_set.regions == [EAST, WEST]
    org = params.load("cjis-config", "org", PARAMS)
    assert org.stack_set.service_managed and org.stack_set.auto_deployment == {
        "Enabled": True,
        "RetainStacksOnAccountRemoval": False,
    }
    assert org.stack_set.preferences == {
        "RegionConcurrencyType": "PARALLEL",
        "MaxConcurrentPercentage": 25,
        "FailureTolerancePercentage": 10,
    }
    assert org.parameters["CreateConfigRecorder"] == "false" and "LogBucketName" in org.parameters  # Extends example
    dr = params.load("ebs-snapshot-dr", "org", PARAMS)
    assert dr.stack_set.deployment_targets() == {"OrganizationalUnitIds": ["ou-ab12-cdefgh34"]}


BAD = [
    ("Accounts: ['12345']", "StackSet.Accounts: '12345' is not an account id (12 digits)"),
    ("Accounts: [11122223333]", "lost its leading zeros to YAML: quote account ids ('011122223333')"),
    ("PermissionModel: SERVICE_MANAGED\n  OrganizationalUnits: [ou-12]", "'ou-12' is not an OU id"),
    (
        "Accounts: ['111122223333']\n  OrganizationalUnits: [ou-ab12-cdefgh34]",
        "SELF_MANAGED stack sets target accounts; OUs need PermissionModel SERVICE_MANAGED",
    ),
    (
        "PermissionModel: SERVICE_MANAGED\n  OrganizationalUnits: [ou-ab12-cdefgh34]\n  Accounts: ['111122223333']",
        "with both OUs and Accounts, say how they combine: one of INTERSECTION, DIFFERENCE, UNION",
    ),
    ("Accounts: ['111122223333']\n  Regions: [us-east-9]", "'us-east-9' is not an AWS region code"),
    (
        "Accounts: ['111122223333']\n  OperationPreferences: {MaxConcurrent: 2, FailureTolerance: 3}",
        "FailureTolerance 3 is above MaxConcurrent 2",
    ),
    (
        "Accounts: ['111122223333']\n  OperationPreferences: {MaxConcurrent: '120%'}",
        "MaxConcurrent 120% must be between 1% and 100%",
    ),
    ("Accounts: ['111122223333']\n  OperationPreferences: {MaxConcurrent: 0}", "MaxConcurrent 0 is below 1"),
    (
        "Accounts: ['111122223333']\n  AutoDeployment: {Enabled: true}",
        "only SERVICE_MANAGED stack sets deploy automatically",
    ),
    (
        "Accounts: ['111122223333']\n  CallAs: DELEGATED_ADMIN",
        "a delegated administrator manages SERVICE_MANAGED stack sets only",
    ),
    ("Acounts: ['111122223333']", "StackSet: unknown key 'Acounts'"),
    ("PermissionModel: SERVICE_MANAGED", "SERVICE_MANAGED stack sets target organizational units"),
]


@pytest.mark.parametrize(("body", "problem"), BAD, ids=[b[1][:40] for b in BAD])
def test_a_bad_stack_set_section_is_one_line_with_file_and_line(tmp_path, body, problem):
    root = profile_dir(tmp_path, f"Regions: [us-east-1]\nStackSet:\n  {body}\n")
    with pytest.raises(params.ProfileError) as excinfo:
        params.load(SAM, "set", root)
    message = str(excinfo.value)
    assert problem in message and "\n" not in message
    assert "set.yaml:" in message


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        (
            ["launch-url", SAM, "--region", EAST, "--bucket", "my-bucket", "--env", "stackset"],
            "deploys a stack set; a Launch Stack link creates one stack",
        ),
        (
            ["deploy", SAM, "--env", "stackset", "--region", EAST],
            "deploys a stack set to the regions of its StackSet section",
        ),
        (["status", SAM, "--env", "example", "--detect-drift"], "--detect-drift is for StackSet profiles"),
        (
            ["delete", SAM, "--env", "stackset", "--region", EAST],
            "a StackSet profile names its own stack set and regions",
        ),
        (
            ["delete", SAM, "--env", "example", "--region", EAST, "--retain-stacks"],
            "--retain-stacks is for StackSet profiles",
        ),
    ],
)
def test_a_profile_given_to_a_command_that_cannot_use_it_is_a_usage_error(cli, runner, monkeypatch, command, problem):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(cli, command)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and problem in result.stderr


# ---------------------------------------------------------------- against moto


def test_create_update_add_and_remove_regions_status_and_delete(mocked, tmp_path):
    root = self_managed(tmp_path)
    result, log = run(root)
    assert result.ok and result.outcome == "created", result.message
    assert [len(instance_stacks(r)) for r in (EAST, WEST)] == [1, 1]
    assert {o.action for o in result.operations} == {"CREATE"}
    assert "111122223333" not in log.text()  # the profile's account, not an example one

    again, _ = run(root)
    assert again.outcome == "unchanged" and not again.operations

    changed, _ = run(self_managed(tmp_path, days=90))
    assert changed.outcome == "updated" and [o.action for o in changed.operations] == ["UPDATE"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack_set()["Parameters"]}[
        "NoncurrentVersionExpirationDays"
    ] == "90"

    added, _ = run(self_managed(tmp_path, days=90, regions=(EAST, WEST, EU)))
    assert [o.action for o in added.operations] == ["CREATE"] and len(instance_stacks(EU)) == 1

    root = self_managed(tmp_path, days=90, regions=(EAST, WEST))
    kept, log = run(root, yes=False, confirm=lambda question: False)
    assert kept.outcome == "unchanged" and len(instance_stacks(EU)) == 1
    assert f"kept instances the profile no longer lists: {DEFAULT_ACCOUNT_ID}/{EU}" in log.text()
    removed, _ = run(root)
    assert [o.action for o in removed.operations] == ["DELETE"] and instance_stacks(EU) == []

    found = stackset.status(SAM, "set", params_dir=root)
    assert found.status == "ACTIVE" and found.healthy
    assert sorted((i["account"], i["region"], i["status"]) for i in found.instances) == [
        (DEFAULT_ACCOUNT_ID, EAST, "CURRENT"),
        (DEFAULT_ACCOUNT_ID, WEST, "CURRENT"),
    ]
    assert {o["action"] for o in found.operations} >= {"CREATE", "UPDATE", "DELETE"}

    declined = stackset.delete(SAM, "set", params_dir=root, confirm=lambda q: False, poll=0)
    assert declined.outcome == "declined" and len(instance_stacks(EAST)) == 1
    gone = stackset.delete(SAM, "set", params_dir=root, yes=True, poll=0)
    assert gone.ok and instance_stacks(EAST) == [] and instance_stacks(WEST) == []
    assert stackset.status(SAM, "set", params_dir=root).status in (None, "DELETED")


def test_per_region_values_become_parameter_overrides_of_that_regions_instances(mocked, tmp_path):
    root = profile_dir(
        tmp_path,
        SELF.format(
            days="{us-east-1: 30, us-west-2: 60}", account=DEFAULT_ACCOUNT_ID, regions=json.dumps([EAST, WEST])
        ),
    )
    result, _ = run(root)
    assert result.ok, result.message
    assert len(result.operations) == 2  # one CreateStackInstances per distinct set of overrides
    cf = boto3.client("cloudformation")
    west = cf.describe_stack_instance(
        StackSetName="artifacts", StackInstanceAccount=DEFAULT_ACCOUNT_ID, StackInstanceRegion=WEST
    )["StackInstance"]
    assert west["ParameterOverrides"] == [{"ParameterKey": "NoncurrentVersionExpirationDays", "ParameterValue": "60"}]


def test_the_cli_deploys_reports_and_deletes_a_stack_set(mocked, tmp_path, cli, runner):
    root = str(self_managed(tmp_path))
    common = ["--env", "set", "--params-dir", root]
    deployed = runner.invoke(cli, ["deploy", SAM, *common, "--yes", "--dir", str(TEMPLATES_OUT)])
    assert deployed.exit_code == 0, deployed.output
    assert "created stack set artifacts: 2 instances (account 123456789012)" in deployed.stdout
    status = runner.invoke(cli, ["status", SAM, *common, "--json"])
    assert status.exit_code == 0, status.output
    data = json.loads(status.stdout)
    assert data["stack_set"] == "artifacts" and len(data["instances"]) == 2
    deleted = runner.invoke(cli, ["delete", SAM, *common, "--yes"])
    assert deleted.exit_code == 0 and "deleted stack set artifacts (2 instances)" in deleted.stdout


def test_polling_an_operation_costs_one_call_per_poll_whatever_the_instances(mocked, tmp_path, monkeypatch):
    """Each operation reports RUNNING twice before it ends: three describes, one results listing, per operation."""
    accounts = ["111111111111", "222222222222", DEFAULT_ACCOUNT_ID]
    root = profile_dir(
        tmp_path,
        SELF.format(days=30, account=DEFAULT_ACCOUNT_ID, regions=json.dumps([EAST, WEST])).replace(
            f"Accounts: ['{DEFAULT_ACCOUNT_ID}']", f"Accounts: {json.dumps(accounts)}"
        ),
    )
    polls: dict[str, int] = {}
    real = moto_models.StackSet.get_operation

    def slow(self, operation_id):
        operation = dict(real(self, operation_id))
        polls[operation_id] = polls.get(operation_id, 0) + 1
        if polls[operation_id] <= 2:
            operation["Status"] = "RUNNING"
        return operation

    monkeypatch.setattr(moto_models.StackSet, "get_operation", slow)
    calls: dict[str, int] = {}
    from cfn_catalog import aws

    real_client = aws.client

    def counting(service, region=None):
        made = real_client(service, region)
        made.meta.events.register(
            "before-call", lambda event_name, **_: calls.__setitem__(event_name, calls.get(event_name, 0) + 1)
        )
        return made

    monkeypatch.setattr(aws, "client", counting)
    result, _ = run(root)
    assert result.ok, result.message
    operations = len(result.operations)
    assert operations == 1 and sum(len(o.instances) for o in result.operations) == 6
    assert calls["before-call.cloudformation.DescribeStackSetOperation"] == 3 * operations
    assert calls["before-call.cloudformation.ListStackSetOperationResults"] == operations
    assert "before-call.cloudformation.DescribeStackInstance" not in calls


def test_access_denied_from_the_api_is_one_line_and_nothing_is_created(mocked, tmp_path, cli, runner, monkeypatch):
    from botocore.exceptions import ClientError

    from cfn_catalog import aws

    real_client = aws.client

    def denied(**kwargs):
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform cloudformation:CreateStackSet"}},
            "CreateStackSet",
        )

    def client(service, region=None):
        made = real_client(service, region)
        made.meta.events.register_first("before-call.cloudformation.CreateStackSet", denied)
        return made

    monkeypatch.setattr(aws, "client", client)
    root = str(self_managed(tmp_path))
    result = runner.invoke(
        cli, ["deploy", SAM, "--env", "set", "--params-dir", root, "--yes", "--dir", str(TEMPLATES_OUT)]
    )
    assert result.exit_code == 1
    assert (result.stderr.count("\n") == 1 and "AccessDenied" in result.stderr) or "denied" in result.stderr.lower()
    assert "Traceback" not in result.output
    assert boto3.client("cloudformation").list_stack_sets()["Summaries"] == []


def test_service_managed_requests_carry_ous_auto_deployment_preferences_and_call_as(mocked, tmp_path, monkeypatch):
    root = profile_dir(
        tmp_path,
        """
        Parameters: {NoncurrentVersionExpirationDays: 30}
        StackSet:
          PermissionModel: SERVICE_MANAGED
          OrganizationalUnits: [ou-ab12-cdefgh34]
          AutoDeployment: {Enabled: true, RetainStacksOnAccountRemoval: true}
          Regions: [us-east-1]
          OperationPreferences: {MaxConcurrent: 25%, FailureTolerance: 10%}
          CallAs: DELEGATED_ADMIN
        """,
    )
    sent: list[tuple[str, dict]] = []
    from cfn_catalog import aws

    real_client = aws.client

    def recording(service, region=None):
        made = real_client(service, region)
        made.meta.events.register(
            "provide-client-params.cloudformation",
            lambda params, model, **_: sent.append((model.name, dict(params))),
        )
        return made

    monkeypatch.setattr(aws, "client", recording)
    run(root)
    requests = dict(sent)
    assert requests["CreateStackSet"]["PermissionModel"] == "SERVICE_MANAGED"
    assert requests["CreateStackSet"]["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": True}
    assert requests["CreateStackSet"]["CallAs"] == "DELEGATED_ADMIN"
    assert "AdministrationRoleARN" not in requests["CreateStackSet"]
    assert requests["CreateStackInstances"]["DeploymentTargets"] == {"OrganizationalUnitIds": ["ou-ab12-cdefgh34"]}
    assert requests["CreateStackInstances"]["OperationPreferences"] == {
        "MaxConcurrentPercentage": 25,
        "FailureTolerancePercentage": 10,
    }
    assert requests["CreateStackInstances"]["CallAs"] == "DELEGATED_ADMIN"
    assert "Accounts" not in requests["CreateStackInstances"]


def test_detect_drift_starts_detection_waits_for_it_and_reports_each_instance(aws_env, tmp_path, monkeypatch):
    """moto has no DetectStackSetDrift: the calls are answered by botocore's Stubber, in order."""
    from botocore.stub import Stubber

    from cfn_catalog import aws

    root = self_managed(tmp_path)
    cf = boto3.client("cloudformation", region_name=EAST)
    stub = Stubber(cf)
    name = {"StackSetName": "artifacts", "CallAs": "SELF"}
    summary = {"StackSetName": "artifacts", "Status": "ACTIVE"}
    stub.add_response("describe_stack_set", {"StackSet": summary}, name)
    stub.add_response("detect_stack_set_drift", {"OperationId": "op-1"}, name)
    for status in ("RUNNING", "SUCCEEDED"):
        stub.add_response(
            "describe_stack_set_operation", {"StackSetOperation": {"Status": status}}, {**name, "OperationId": "op-1"}
        )
    stub.add_response(
        "list_stack_set_operation_results",
        {"Summaries": [{"Account": DEFAULT_ACCOUNT_ID, "Region": EAST, "Status": "SUCCEEDED"}]},
        {**name, "OperationId": "op-1"},
    )
    drifted = {**summary, "StackSetDriftDetectionDetails": {"DriftStatus": "DRIFTED"}}
    stub.add_response("describe_stack_set", {"StackSet": drifted}, name)
    stub.add_response(
        "list_stack_set_operations",
        {"Summaries": [{"OperationId": "op-1", "Action": "DETECT_DRIFT", "Status": "SUCCEEDED"}]},
        {**name, "MaxResults": 5},
    )
    stub.add_response(
        "list_stack_instances",
        {
            "Summaries": [
                {"Account": DEFAULT_ACCOUNT_ID, "Region": EAST, "Status": "CURRENT", "DriftStatus": "DRIFTED"},
                {"Account": DEFAULT_ACCOUNT_ID, "Region": WEST, "Status": "CURRENT", "DriftStatus": "IN_SYNC"},
            ]
        },
        name,
    )
    monkeypatch.setattr(aws, "client", lambda service, region=None: cf)
    with stub:
        found = stackset.status(SAM, "set", params_dir=root, detect_drift=True, poll=0)
        stub.assert_no_pending_responses()
    assert found.drift == "DRIFTED"
    assert [(i["region"], i["drift"]) for i in found.instances] == [(EAST, "DRIFTED"), (WEST, "IN_SYNC")]


# ---------------------------------------------------------------- a stack set as a solution step

WITH_SET = """
Description: artifact buckets everywhere through a stack set, then a DR stack in the stack set's region
Steps:
  buckets: {{Template: sam-artifacts-bucket, Env: set}}
  dr:
    Template: ebs-snapshot-dr
    Region: us-east-1
    DependsOn: [buckets]
    Parameters: {{NotificationEmail: ops@example.com}}
"""


def test_a_solution_step_may_be_a_stack_set(mocked, tmp_path, cli, runner):
    from cfn_catalog import solutions
    from cfn_catalog.aws import solution as solution_runner

    params_root = self_managed(tmp_path, regions=(EAST,))
    shutil.copytree(PARAMS / "ebs-snapshot-dr", params_root / "ebs-snapshot-dr")
    solutions_root = tmp_path / "solutions"
    solutions_root.mkdir()
    (solutions_root / "mixed.yaml").write_text(textwrap.dedent(WITH_SET.format()))
    plan = solutions.plan("mixed", "example", root=solutions_root, params_dir=params_root)
    assert [[plan.nodes[k].label for k in wave] for wave in plan.waves] == [["buckets@stack-set"], [f"dr@{EAST}"]]

    results = solution_runner.deploy(plan, yes=True, poll=0, directory=TEMPLATES_OUT, params_dir=params_root)
    assert [(r.step, r.outcome) for r in results] == [("buckets", "created"), ("dr", "created")], [
        r.message for r in results
    ]
    assert stack_set()["Status"] == "ACTIVE"

    args = ["solution", "status", "mixed", "--env", "example", "--solutions-dir", str(solutions_root)]
    status = runner.invoke(cli, [*args, "--params-dir", str(params_root), "--json"])
    assert status.exit_code == 0, status.output
    rows = {row["step"]: row for row in json.loads(status.stdout)}
    assert rows["buckets"]["stack_set"] == "artifacts" and len(rows["buckets"]["instances"]) == 1
    planned = runner.invoke(
        cli,
        [
            "solution",
            "plan",
            "mixed",
            "--env",
            "example",
            "--solutions-dir",
            str(solutions_root),
            "--params-dir",
            str(params_root),
        ],
    )
    assert (
        f"buckets@stack-set: sam-artifacts-bucket -> stack set artifacts (account {DEFAULT_ACCOUNT_ID} in {EAST})"
        in planned.stdout
    )

    gone = solution_runner.delete(plan, yes=True, poll=0)
    assert [(r.step, r.outcome) for r in gone] == [("dr", "deleted"), ("buckets", "deleted")]


@pytest.mark.parametrize(
    ("parameters", "problem"),
    [
        (
            "{NotificationEmail: !Output buckets.BucketName}",
            "step buckets is a stack set; its stacks and their outputs live in the target accounts",
        ),
        ("{FunctionNameSuffix: !StackName buckets}", "its instances' stack names are chosen by StackSets"),
    ],
)
def test_a_stack_set_step_gives_no_outputs_or_stack_names(tmp_path, parameters, problem):
    from cfn_catalog import solutions

    params_root = self_managed(tmp_path, regions=(EAST, WEST))
    text = WITH_SET.format().replace("Parameters: {NotificationEmail: ops@example.com}", f"Parameters: {parameters}")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "mixed.yaml").write_text(textwrap.dedent(text))
    with pytest.raises(solutions.SolutionError) as excinfo:
        solutions.plan("mixed", "example", root=tmp_path / "solutions", params_dir=params_root)
    assert any(problem in p for p in excinfo.value.problems), excinfo.value.problems
