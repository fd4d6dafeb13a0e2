"""Glue job: export the new rows of Redshift system tables of one cluster to S3.

One job per cluster (`<cluster>_extract_rs_query_logs`, created by the
`redshift-stl-export` stack) runs this script every few minutes. For each
entry of SYSTEM_TABLES it

1. reads from DynamoDB the last exported timestamp of (cluster, table),
2. selects, over JDBC, the rows whose time column is newer than it (and not
   newer than a few minutes ago, so rows still being logged are taken next
   time),
3. appends them as Parquet to
   `<s3_prefix><table>/cluster=<cluster>/date=<yyyy-mm-dd>/`, and
4. records the newest exported timestamp, only after the write succeeded
   (at-least-once: a failed run is repeated by the next one).

Adding a system table or a custom query is one SystemTable entry in
SYSTEM_TABLES: `source` is any SELECT (a join, a filter, a view), `time_column`
a column of its output that grows as rows are logged, `date_column` the
column whose day names the partition. The `redshift-stl-catalog` crawler
picks up every folder under the data prefix that has an entry here.

Job arguments: --cluster_id, --connection_name (the Glue connection: its
JDBC URL and network path to the cluster), --secret_id (Secrets Manager
secret with `username` and `password`), --s3_prefix (s3://.../data/), and
--tracking_table (DynamoDB). The database user needs
`ALTER USER <user> SYSLOG ACCESS UNRESTRICTED` (or superuser) to see the
rows of every user in the STL tables.

Only `main()` imports the Glue and Spark libraries, so everything else is a
plain function, unit-tested without a Glue runtime.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_START = "1970-01-01 00:00:00.000000"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
# Rows are logged to the STL tables shortly after their time column's value;
# newer rows are left for the next run.
LOGGING_LAG = timedelta(minutes=2)
REDSHIFT_JDBC_DRIVER = "com.amazon.redshift.jdbc42.Driver"
JOB_ARGUMENTS = ("JOB_NAME", "cluster_id", "connection_name", "secret_id", "s3_prefix", "tracking_table")
# DynamoDB tracking table: partition key, sort key, value attribute.
CLUSTER_KEY = "cluster_id"
TABLE_KEY = "table_name"
TIMESTAMP_ATTRIBUTE = "last_exported"
PARTITION_COLUMNS = ("cluster", "date")

CLUSTER_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class SystemTable:
    """One exported data set: a folder under the data prefix and a tracking key."""

    name: str
    source: str
    time_column: str
    date_column: str

    def __post_init__(self) -> None:
        for value in (self.name, self.time_column, self.date_column):
            if not IDENTIFIER.match(value):
                raise ValueError(f"{value!r} is not a lowercase SQL identifier")


def _query_join(table: str) -> str:
    # Rows of stl_querytext/stl_explain carry no time: take their query's.
    return (
        "SELECT q.starttime AS query_starttime, q.endtime AS query_endtime, t.* "
        f"FROM {table} t JOIN stl_query q ON q.query = t.query"
    )


SYSTEM_TABLES: tuple[SystemTable, ...] = (
    SystemTable("stl_alert_event_log", "SELECT * FROM stl_alert_event_log", "event_time", "event_time"),
    SystemTable("stl_ddltext", "SELECT * FROM stl_ddltext", "endtime", "starttime"),
    SystemTable("stl_explain", _query_join("stl_explain"), "query_endtime", "query_starttime"),
    SystemTable("stl_query", "SELECT * FROM stl_query", "endtime", "starttime"),
    SystemTable("stl_querytext", _query_join("stl_querytext"), "query_endtime", "query_starttime"),
    SystemTable("stl_scan", "SELECT * FROM stl_scan", "endtime", "starttime"),
    SystemTable("stl_utilitytext", "SELECT * FROM stl_utilitytext", "endtime", "starttime"),
    SystemTable("stl_wlm_query", "SELECT * FROM stl_wlm_query", "exec_end_time", "service_class_start_time"),
)


def table_names() -> list[str]:
    """The folders under the data prefix, one per exported table."""
    return [table.name for table in SYSTEM_TABLES]


def validate_cluster_id(cluster_id: str) -> str:
    """A Redshift cluster identifier; it is embedded in SQL and S3 keys, so it is checked."""
    if len(cluster_id) > 63 or not CLUSTER_ID.match(cluster_id):
        raise ValueError(f"{cluster_id!r} is not a Redshift cluster identifier")
    return cluster_id


def format_timestamp(value: datetime | str) -> str:
    """`YYYY-MM-DD HH:MM:SS.ffffff` (UTC, naive, as Redshift logs it); rejects anything else."""
    if isinstance(value, str):
        text = value.strip()
        for pattern in (TIMESTAMP_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"):
            try:
                value = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"{text!r} is not a timestamp")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime(TIMESTAMP_FORMAT)


def export_upper_bound(now: datetime, lag: timedelta = LOGGING_LAG) -> str:
    """The newest time a run exports: rows newer than now - lag wait for the next run."""
    return format_timestamp(now - lag)


def build_query(table: SystemTable, cluster_id: str, since: str, until: str) -> str:
    """The SELECT of `table`'s rows with since < time column <= until, tagged with
    the partition columns `cluster` and `date`."""
    cluster_id = validate_cluster_id(cluster_id)
    since, until = format_timestamp(since), format_timestamp(until)
    return (
        f"SELECT '{cluster_id}' AS \"cluster\", "
        f"TO_CHAR(src.{table.date_column}, 'YYYY-MM-DD') AS \"date\", src.* "
        f"FROM ({table.source}) AS src "
        f"WHERE src.{table.time_column} > '{since}' AND src.{table.time_column} <= '{until}'"
    )


def table_path(s3_prefix: str, table: str) -> str:
    """`s3://bucket/extract_redshift_query_logs/data/<table>/`: Spark adds the partitions below it."""
    if not s3_prefix.startswith("s3://"):
        raise ValueError(f"{s3_prefix!r} is not an s3:// URI")
    return f"{s3_prefix.rstrip('/')}/{table}/"


def partition_path(s3_prefix: str, table: str, cluster_id: str, day: str) -> str:
    """Where the rows of one cluster and day land (Hive-style, as the crawler reads them)."""
    datetime.strptime(day, "%Y-%m-%d")
    return f"{table_path(s3_prefix, table)}cluster={validate_cluster_id(cluster_id)}/date={day}/"


def _key(cluster_id: str, table: str) -> dict:
    return {CLUSTER_KEY: {"S": cluster_id}, TABLE_KEY: {"S": table}}


def last_exported(dynamodb, tracking_table: str, cluster_id: str, table: str) -> str:
    """The newest timestamp already exported for (cluster, table), or DEFAULT_START."""
    item = dynamodb.get_item(TableName=tracking_table, Key=_key(cluster_id, table), ConsistentRead=True).get("Item")
    if not item or TIMESTAMP_ATTRIBUTE not in item:
        return DEFAULT_START
    return format_timestamp(item[TIMESTAMP_ATTRIBUTE]["S"])


def record_exported(dynamodb, tracking_table: str, cluster_id: str, table: str, timestamp: datetime | str) -> bool:
    """Move (cluster, table)'s timestamp forward; never back. False if it was already newer."""
    value = format_timestamp(timestamp)
    try:
        dynamodb.put_item(
            TableName=tracking_table,
            Item={
                **_key(cluster_id, table),
                TIMESTAMP_ATTRIBUTE: {"S": value},
                "updated_at": {"S": format_timestamp(datetime.now(UTC))},
            },
            ConditionExpression="attribute_not_exists(#ts) OR #ts < :ts",
            ExpressionAttributeNames={"#ts": TIMESTAMP_ATTRIBUTE},
            ExpressionAttributeValues={":ts": {"S": value}},
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def jdbc_options(url: str, secret: dict) -> dict[str, str]:
    """Spark JDBC reader options from the connection's URL and the secret's credentials."""
    if not url.startswith("jdbc:redshift://"):
        raise ValueError("the Glue connection's JDBC_CONNECTION_URL must start with jdbc:redshift://")
    missing = [key for key in ("username", "password") if not secret.get(key)]
    if missing:
        raise ValueError(f"the cluster secret lacks {', '.join(missing)}")
    separator = "&" if "?" in url else "?"
    if "ssl=" not in url.lower():
        url = f"{url}{separator}ssl=true"
    return {"url": url, "user": secret["username"], "password": secret["password"], "driver": REDSHIFT_JDBC_DRIVER}


def main(argv: list[str] | None = None) -> dict[str, int]:  # pragma: no cover - needs a Glue runtime
    import boto3
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext
    from pyspark.sql import functions as sql

    args = getResolvedOptions(argv or sys.argv, list(JOB_ARGUMENTS))
    cluster_id = validate_cluster_id(args["cluster_id"])
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    connection = boto3.client("glue").get_connection(Name=args["connection_name"], HidePassword=True)
    url = connection["Connection"]["ConnectionProperties"]["JDBC_CONNECTION_URL"]
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=args["secret_id"])["SecretString"])
    options = jdbc_options(url, secret)
    dynamodb = boto3.client("dynamodb")
    until = export_upper_bound(datetime.now(UTC))
    exported: dict[str, int] = {}
    for table in SYSTEM_TABLES:
        since = last_exported(dynamodb, args["tracking_table"], cluster_id, table.name)
        query = build_query(table, cluster_id, since, until)
        frame = spark.read.format("jdbc").options(**options).option("query", query).load().persist()
        newest, count = frame.agg(sql.max(table.time_column), sql.count(sql.lit(1))).collect()[0]
        if count:
            frame.write.mode("append").partitionBy(*PARTITION_COLUMNS).parquet(
                table_path(args["s3_prefix"], table.name)
            )
            record_exported(dynamodb, args["tracking_table"], cluster_id, table.name, newest)
        frame.unpersist()
        exported[table.name] = count
        print(json.dumps({"cluster": cluster_id, "table": table.name, "since": since, "until": until, "rows": count}))
    job.commit()
    return exported


if __name__ == "__main__":  # pragma: no cover
    main()
