"""The Redshift system-table export: the Glue job's pure functions, its DynamoDB
bookkeeping, the scheduling Lambda and the per-cluster job provisioner."""

from datetime import UTC, datetime, timedelta, timezone

import boto3
import pytest
from botocore.stub import Stubber
from conftest import custom_resource_event
from moto import mock_aws
from moto.moto_api import state_manager

from cfn_catalog.functions import extract_rs_query_logs as job
from cfn_catalog.functions import invoke_rs_stl_export_etl as scheduler
from cfn_catalog.functions import provision_rs_stl_export_jobs as provisioner

PREFIX = "s3://logs-bucket/extract_redshift_query_logs/data/"
EXPECTED_TABLES = [
    "stl_alert_event_log",
    "stl_ddltext",
    "stl_explain",
    "stl_query",
    "stl_querytext",
    "stl_scan",
    "stl_utilitytext",
    "stl_wlm_query",
]


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def table(name):
    return next(t for t in job.SYSTEM_TABLES if t.name == name)


# --- the export list -------------------------------------------------------------------------


def test_the_eight_system_tables_are_exported_once_each():
    assert job.table_names() == EXPECTED_TABLES


def test_a_custom_entry_needs_sql_identifiers_for_its_names():
    custom = job.SystemTable("stl_load_errors", "SELECT * FROM stl_load_errors", "starttime", "starttime")
    assert custom.name == "stl_load_errors"
    with pytest.raises(ValueError):
        job.SystemTable("stl_query; drop", "SELECT 1", "endtime", "starttime")
    with pytest.raises(ValueError):
        job.SystemTable("x", "SELECT 1", "EndTime", "starttime")


# --- query building --------------------------------------------------------------------------


def test_query_selects_rows_between_the_bounds_tagged_with_the_partition_columns():
    sql = job.build_query(table("stl_query"), "prod-1", "2024-05-01 10:00:00", "2024-05-01 10:08:00.5")
    assert sql == (
        "SELECT 'prod-1' AS \"cluster\", TO_CHAR(src.starttime, 'YYYY-MM-DD') AS \"date\", src.* "
        "FROM (SELECT * FROM stl_query) AS src "
        "WHERE src.endtime > '2024-05-01 10:00:00.000000' AND src.endtime <= '2024-05-01 10:08:00.500000'"
    )


def test_query_text_and_explain_take_their_time_from_stl_query():
    for name in ("stl_querytext", "stl_explain"):
        sql = job.build_query(table(name), "prod-1", job.DEFAULT_START, "2024-05-01 00:00:00")
        assert f"FROM {name} t JOIN stl_query q ON q.query = t.query" in sql
        assert "src.query_endtime > '1970-01-01 00:00:00.000000'" in sql
        assert "TO_CHAR(src.query_starttime, 'YYYY-MM-DD')" in sql


def test_wlm_and_alert_tables_use_their_own_time_columns():
    assert "src.exec_end_time >" in job.build_query(table("stl_wlm_query"), "a", job.DEFAULT_START, job.DEFAULT_START)
    alerts = job.build_query(table("stl_alert_event_log"), "a", job.DEFAULT_START, job.DEFAULT_START)
    assert "src.event_time >" in alerts and "TO_CHAR(src.event_time" in alerts


@pytest.mark.parametrize("cluster", ["Prod", "prod_1", "1prod", "prod-", "a--b", "x' OR '1'='1", "a" * 64, ""])
def test_query_rejects_what_is_not_a_cluster_identifier(cluster):
    with pytest.raises(ValueError):
        job.build_query(table("stl_query"), cluster, job.DEFAULT_START, job.DEFAULT_START)


@pytest.mark.parametrize("value", ["yesterday", "2024-05-01'; DROP TABLE x; --", "2024-13-01 00:00:00"])
def test_query_rejects_what_is_not_a_timestamp(value):
    with pytest.raises(ValueError):
        job.build_query(table("stl_query"), "prod", value, job.DEFAULT_START)


def test_timestamps_are_normalised_to_naive_utc_microseconds():
    assert job.format_timestamp("2024-05-01T10:00:00") == "2024-05-01 10:00:00.000000"
    assert job.format_timestamp(datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))) == (
        "2024-05-01 10:00:00.000000"
    )
    assert job.export_upper_bound(datetime(2024, 5, 1, 10, 0, tzinfo=UTC)) == "2024-05-01 09:58:00.000000"


# --- partition paths -------------------------------------------------------------------------


def test_partition_paths_are_hive_style_under_the_table_folder():
    assert job.table_path(PREFIX, "stl_query") == PREFIX + "stl_query/"
    assert job.table_path(PREFIX.rstrip("/"), "stl_query") == PREFIX + "stl_query/"
    assert job.partition_path(PREFIX, "stl_wlm_query", "prod-1", "2024-05-01") == (
        PREFIX + "stl_wlm_query/cluster=prod-1/date=2024-05-01/"
    )
    assert job.PARTITION_COLUMNS == ("cluster", "date")


def test_partition_paths_reject_bad_parts():
    with pytest.raises(ValueError):
        job.partition_path(PREFIX, "stl_query", "prod-1", "2024-5-1x")
    with pytest.raises(ValueError):
        job.table_path("logs-bucket/data/", "stl_query")
    with pytest.raises(ValueError):
        job.partition_path(PREFIX, "stl_query", "../other", "2024-05-01")


# --- JDBC options ----------------------------------------------------------------------------


def test_jdbc_options_use_the_connection_url_with_ssl_and_the_secret_credentials():
    options = job.jdbc_options(
        "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev", {"username": "u", "password": "p"}
    )
    assert options == {
        "url": "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev?ssl=true",
        "user": "u",
        "password": "p",
        "driver": "com.amazon.redshift.jdbc42.Driver",
    }
    assert job.jdbc_options("jdbc:redshift://h:5439/dev?ssl=true", {"username": "u", "password": "p"})["url"] == (
        "jdbc:redshift://h:5439/dev?ssl=true"
    )


def test_jdbc_options_refuse_incomplete_secrets_and_other_databases():
    with pytest.raises(ValueError, match="password"):
        job.jdbc_options("jdbc:redshift://h:5439/dev", {"username": "u"})
    with pytest.raises(ValueError):
        job.jdbc_options("jdbc:postgresql://h:5432/dev", {"username": "u", "password": "p"})


# --- timestamp bookkeeping (DynamoDB) --------------------------------------------------------


@pytest.fixture
def tracking(aws):
    client = boto3.client("dynamodb")
    client.create_table(
        TableName="tracking",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": job.CLUSTER_KEY, "AttributeType": "S"},
            {"AttributeName": job.TABLE_KEY, "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": job.CLUSTER_KEY, "KeyType": "HASH"},
            {"AttributeName": job.TABLE_KEY, "KeyType": "RANGE"},
        ],
    )
    return client


def test_a_table_never_exported_starts_at_the_epoch(tracking):
    assert job.last_exported(tracking, "tracking", "prod-1", "stl_query") == job.DEFAULT_START


def test_recorded_timestamps_are_read_back_per_cluster_and_table(tracking):
    assert job.record_exported(tracking, "tracking", "prod-1", "stl_query", datetime(2024, 5, 1, 10, 0, 0, 123))
    assert job.record_exported(tracking, "tracking", "prod-2", "stl_query", "2024-04-01 00:00:00")
    assert job.last_exported(tracking, "tracking", "prod-1", "stl_query") == "2024-05-01 10:00:00.000123"
    assert job.last_exported(tracking, "tracking", "prod-2", "stl_query") == "2024-04-01 00:00:00.000000"
    assert job.last_exported(tracking, "tracking", "prod-1", "stl_scan") == job.DEFAULT_START
    item = tracking.get_item(
        TableName="tracking", Key={"cluster_id": {"S": "prod-1"}, "table_name": {"S": "stl_query"}}
    )
    assert item["Item"]["updated_at"]["S"] > "2024"


def test_the_timestamp_only_moves_forward(tracking):
    assert job.record_exported(tracking, "tracking", "prod-1", "stl_query", "2024-05-01 10:00:00")
    assert not job.record_exported(tracking, "tracking", "prod-1", "stl_query", "2024-05-01 09:00:00")
    assert not job.record_exported(tracking, "tracking", "prod-1", "stl_query", "2024-05-01 10:00:00")
    assert job.last_exported(tracking, "tracking", "prod-1", "stl_query") == "2024-05-01 10:00:00.000000"
    assert job.record_exported(tracking, "tracking", "prod-1", "stl_query", "2024-05-01 10:00:01")
    assert job.last_exported(tracking, "tracking", "prod-1", "stl_query") == "2024-05-01 10:00:01.000000"


# --- the scheduling Lambda -------------------------------------------------------------------


@pytest.fixture
def glue_jobs(aws, monkeypatch):
    monkeypatch.setenv("CLUSTER_LIST_PARAMETER", scheduler.DEFAULT_PARAMETER)
    boto3.client("ssm").put_parameter(
        Name=scheduler.DEFAULT_PARAMETER, Type="StringList", Value="prod-1,prod-2, prod-1,missing-3,"
    )
    glue = boto3.client("glue")
    for cluster in ("prod-1", "prod-2"):
        glue.create_job(
            Name=f"{cluster}_extract_rs_query_logs",
            Role="arn:aws:iam::123456789012:role/glue",
            Command={"Name": "glueetl", "ScriptLocation": "s3://logs-bucket/extract_redshift_query_logs/code/x.py"},
        )
    yield glue
    state_manager.unset_transition("glue::job_run")


def test_the_cluster_list_is_read_in_order_without_blanks_or_repeats(glue_jobs):
    assert scheduler.enabled_clusters(boto3.client("ssm"), scheduler.DEFAULT_PARAMETER) == [
        "prod-1",
        "prod-2",
        "missing-3",
    ]


def test_the_lambda_starts_every_enabled_clusters_job_and_reports_missing_ones(glue_jobs):
    summary = scheduler.handler({}, None)
    assert set(summary["started"]) == {"prod-1", "prod-2"}
    assert summary["missing"] == ["missing-3"] and summary["running"] == [] and summary["failed"] == {}
    for cluster, run_id in summary["started"].items():
        run = glue_jobs.get_job_run(JobName=f"{cluster}_extract_rs_query_logs", RunId=run_id)["JobRun"]
        assert run["Id"] == run_id


def test_the_lambda_skips_a_cluster_whose_job_is_still_running(glue_jobs):
    state_manager.set_transition(model_name="glue::job_run", transition={"progression": "manual", "times": 1000})
    glue_jobs.start_job_run(JobName="prod-1_extract_rs_query_logs")
    summary = scheduler.handler({}, None)
    assert summary["running"] == ["prod-1"]
    assert list(summary["started"]) == ["prod-2"]
    assert len(glue_jobs.get_job_runs(JobName="prod-1_extract_rs_query_logs")["JobRuns"]) == 1


def test_the_lambda_starts_a_job_again_once_its_run_finished(glue_jobs):
    glue_jobs.start_job_run(JobName="prod-1_extract_rs_query_logs")  # finishes at once in moto
    summary = scheduler.handler({}, None)
    assert "prod-1" in summary["started"]
    assert len(glue_jobs.get_job_runs(JobName="prod-1_extract_rs_query_logs")["JobRuns"]) == 2


def test_a_concurrent_run_limit_counts_as_running_and_other_errors_as_failed():
    class Glue:
        def __init__(self, code):
            self.code = code

        def get_job_runs(self, **kwargs):
            return {"JobRuns": []}

        def start_job_run(self, **kwargs):
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": self.code, "Message": "x"}}, "StartJobRun")

    assert scheduler.start_job(Glue("ConcurrentRunsExceededException"), "a") == ("running", None)
    assert scheduler.start_job(Glue("AccessDeniedException"), "a") == ("failed", "AccessDeniedException")


# --- the per-cluster job provisioner (custom resource) ---------------------------------------

PROPERTIES = {
    "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provision",
    "Clusters": ["prod-1"],
    "SecretPrefix": "redshift-query-logs/",
    "PhysicalConnectionRequirements": {
        "SubnetId": "subnet-0123456789abcdef0",
        "AvailabilityZone": "us-east-1a",
        "SecurityGroupIdList": ["sg-0123456789abcdef0"],
    },
    "Job": {
        "Role": "arn:aws:iam::123456789012:role/glue",
        "Command": {
            "Name": "glueetl",
            "PythonVersion": "3",
            "ScriptLocation": "s3://logs-bucket/extract_redshift_query_logs/code/extract_rs_query_logs.py",
        },
        "DefaultArguments": {
            "--TempDir": "s3://logs-bucket/extract_redshift_query_logs/temp/",
            "--s3_prefix": PREFIX,
            "--tracking_table": "tracking",
        },
        "GlueVersion": "5.0",
        "WorkerType": "G.1X",
        "SecurityConfiguration": "export-security",
    },
}


def event(request_type, clusters, old_clusters=None):
    old = None if old_clusters is None else {**PROPERTIES, "Clusters": old_clusters}
    return custom_resource_event(request_type, "ExportJobs", {**PROPERTIES, "Clusters": clusters}, "ExportJobs", old)


@pytest.fixture
def clusters(aws):
    redshift = boto3.client("redshift")
    for cluster in ("prod-1", "prod-2"):
        redshift.create_cluster(
            ClusterIdentifier=cluster,
            NodeType="ra3.xlplus",
            ClusterType="single-node",
            MasterUsername="admin",
            MasterUserPassword="Passw0rdPassw0rd",
            DBName="dev",
        )
    return redshift


def test_create_makes_a_connection_and_a_job_per_cluster(clusters, responses):
    provisioner.handler(event("Create", ["prod-1", "prod-2"]), None)
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert responses[0]["PhysicalResourceId"] == "ExportJobs" and responses[0]["method"] == "PUT"
    glue = boto3.client("glue")
    for cluster in ("prod-1", "prod-2"):
        connection = glue.get_connection(Name=f"{cluster}_redshift_query_logs")["Connection"]
        props = connection["ConnectionProperties"]
        assert props["JDBC_CONNECTION_URL"].startswith(f"jdbc:redshift://{cluster}.")
        assert props["JDBC_CONNECTION_URL"].endswith(":5439/dev")
        assert props["SECRET_ID"] == f"redshift-query-logs/{cluster}"
        assert connection["PhysicalConnectionRequirements"]["SubnetId"] == "subnet-0123456789abcdef0"
        created = glue.get_job(JobName=f"{cluster}_extract_rs_query_logs")["Job"]
        assert created["Connections"] == {"Connections": [f"{cluster}_redshift_query_logs"]}
        assert created["DefaultArguments"]["--cluster_id"] == cluster
        assert created["DefaultArguments"]["--secret_id"] == f"redshift-query-logs/{cluster}"
        assert created["DefaultArguments"]["--s3_prefix"] == PREFIX
        assert created["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
        assert created["SecurityConfiguration"] == "export-security"
    assert "--cluster_id" not in PROPERTIES["Job"]["DefaultArguments"]  # the shared settings are not mutated


def test_an_unknown_cluster_fails_the_deployment(clusters, responses):
    provisioner.handler(event("Create", ["prod-1", "nope-9"]), None)
    assert responses[-1]["Status"] == "FAILED" and "nope-9" in responses[-1]["Reason"]


class FakeGlue:
    """Glue's connection and job calls (moto lacks UpdateJob, UpdateConnection, DeleteConnection)."""

    def __init__(self, connections=(), jobs=()):
        self.connections = {name: {} for name in connections}
        self.jobs = {name: {} for name in jobs}
        self.calls = []

    def _missing(self, operation):
        from botocore.exceptions import ClientError

        return ClientError({"Error": {"Code": "EntityNotFoundException", "Message": "no"}}, operation)

    def get_connection(self, Name, HidePassword):
        if Name not in self.connections:
            raise self._missing("GetConnection")
        return {"Connection": self.connections[Name]}

    def create_connection(self, ConnectionInput):
        self.calls.append(("create_connection", ConnectionInput["Name"]))
        self.connections[ConnectionInput["Name"]] = ConnectionInput

    def update_connection(self, Name, ConnectionInput):
        self.calls.append(("update_connection", Name))
        self.connections[Name] = ConnectionInput

    def delete_connection(self, ConnectionName):
        self.calls.append(("delete_connection", ConnectionName))
        if self.connections.pop(ConnectionName, None) is None:
            raise self._missing("DeleteConnection")

    def get_job(self, JobName):
        if JobName not in self.jobs:
            raise self._missing("GetJob")
        return {"Job": self.jobs[JobName]}

    def create_job(self, Name, **settings):
        self.calls.append(("create_job", Name))
        self.jobs[Name] = settings

    def update_job(self, JobName, JobUpdate):
        self.calls.append(("update_job", JobName))
        self.jobs[JobName] = JobUpdate

    def delete_job(self, JobName):  # Glue answers deletes of unknown jobs with success
        self.calls.append(("delete_job", JobName))
        self.jobs.pop(JobName, None)
        return {"JobName": JobName}


def test_update_reconciles_jobs_with_the_new_cluster_list(clusters):
    glue = FakeGlue(
        connections=["prod-1_redshift_query_logs", "old-0_redshift_query_logs"],
        jobs=["prod-1_extract_rs_query_logs", "old-0_extract_rs_query_logs"],
    )
    kept = provisioner.reconcile(
        glue, clusters, event("Update", ["prod-1", "prod-2"], old_clusters=["old-0", "prod-1"])
    )
    assert kept == ["prod-1", "prod-2"]
    assert glue.calls == [
        ("update_connection", "prod-1_redshift_query_logs"),
        ("update_job", "prod-1_extract_rs_query_logs"),
        ("create_connection", "prod-2_redshift_query_logs"),
        ("create_job", "prod-2_extract_rs_query_logs"),
        ("delete_job", "old-0_extract_rs_query_logs"),
        ("delete_connection", "old-0_redshift_query_logs"),
    ]
    assert set(glue.jobs) == {"prod-1_extract_rs_query_logs", "prod-2_extract_rs_query_logs"}


def test_delete_removes_every_listed_clusters_job_and_tolerates_missing_ones(clusters):
    glue = FakeGlue(connections=["prod-1_redshift_query_logs"], jobs=["prod-1_extract_rs_query_logs"])
    assert provisioner.reconcile(glue, clusters, event("Delete", ["prod-1", "prod-2"])) == []
    assert glue.jobs == {} and glue.connections == {}
    assert ("delete_job", "prod-2_extract_rs_query_logs") in glue.calls


def test_update_requests_are_valid_glue_api_calls(clusters):
    glue = boto3.client("glue")
    settings = provisioner.job_settings("prod-1", PROPERTIES)
    with Stubber(glue) as stub:  # Stubber checks each request against the Glue API model
        stub.add_response("get_connection", {"Connection": {"Name": "prod-1_redshift_query_logs"}})
        stub.add_response("update_connection", {})
        stub.add_response("get_job", {"Job": {"Name": "prod-1_extract_rs_query_logs"}})
        stub.add_response("update_job", {"JobName": "prod-1_extract_rs_query_logs"}, {
            "JobName": "prod-1_extract_rs_query_logs",
            "JobUpdate": settings,
        })  # fmt: skip
        provisioner.put(glue, clusters, "prod-1", PROPERTIES)
        stub.assert_no_pending_responses()


def test_the_provisioner_fits_inline_in_a_template():
    from cfn_catalog.blocks.lambdas import inline_source

    for module in ("provision_rs_stl_export_jobs", "invoke_rs_stl_export_etl"):
        assert len(inline_source(module)) <= 4096


def test_a_non_https_response_url_is_refused():
    with pytest.raises(ValueError):
        provisioner.send({**event("Create", []), "ResponseURL": "file:///etc/passwd"}, "SUCCESS", "", "x")
