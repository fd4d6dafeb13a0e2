"""Glue Data Catalog for the Redshift system tables exported by `redshift-stl-export`.

Creates the Glue database `redshift_query_logs_db` and a crawler that reads the
eight exported table folders under
`s3://<S3Bucket>/extract_redshift_query_logs/data/` and keeps one table per
system table, prefixed `ext_` (ext_stl_query, ext_stl_wlm_query, ...), with
the partitions `cluster` and `date` (yyyy-mm-dd). Deploy it with the same
`S3Bucket` as the export stack; the crawled folders are the export job's
`SYSTEM_TABLES`, so a table added there is crawled here after a stack update.

The crawler runs on `CrawlerSchedule` (hourly by default; new `date`
partitions appear in the catalog within an hour) and, after the first run,
crawls only new folders. It is also started once when the stack is created:
a small custom resource (`functions/start_crawler_on_create.py`) calls
glue:StartCrawler on Create only. An EventBridge Scheduler one-time schedule
would need its `at(...)` time written into the template, which a template
cannot compute at deploy time; the custom resource is 30 lines, tested, and
reports a failure to start to CloudFormation.

The crawler's logs are encrypted with a customer managed KMS key through a
Glue security configuration. The Glue Data Catalog's own encryption is an
account-wide setting (AWS::Glue::DataCatalogEncryptionSettings) and is left
to the account's baseline.

Cross-cluster diagnostic queries in Athena (also in
`functions/stl_athena_queries.sql`; the same SQL runs in Redshift Spectrum
through an external schema on `redshift_query_logs_db`):

    -- 1. The 20 longest-running queries of the last 7 days, across all clusters.
    SELECT "cluster",
           query,
           userid,
           trim("database") AS database_name,
           starttime,
           endtime,
           date_diff('second', starttime, endtime) AS duration_seconds,
           substr(trim(querytxt), 1, 200) AS query_text
    FROM redshift_query_logs_db.ext_stl_query
    WHERE "date" >= cast(current_date - INTERVAL '7' DAY AS varchar)
      AND aborted = 0
    ORDER BY duration_seconds DESC
    LIMIT 20;

    -- 2. WLM queue waits per cluster, day and queue (service classes above 5 are
    --    user queues): where queries wait for a slot instead of running.
    SELECT "cluster",
           "date",
           service_class,
           count(*) AS queries,
           round(avg(total_queue_time) / 1e6, 2) AS avg_queue_seconds,
           round(max(total_queue_time) / 1e6, 2) AS max_queue_seconds,
           round(sum(total_exec_time) / 1e6, 2) AS total_exec_seconds
    FROM redshift_query_logs_db.ext_stl_wlm_query
    WHERE "date" >= cast(current_date - INTERVAL '7' DAY AS varchar)
      AND service_class > 5
    GROUP BY "cluster", "date", service_class
    ORDER BY avg_queue_seconds DESC;

    -- 3. Optimizer alerts (missing statistics, nested loops, large deletes...)
    --    by cluster and scanned table, with Redshift's suggested solution: the
    --    tables to vacuum, analyze or redesign first, across the whole fleet.
    SELECT a."cluster",
           trim(s.perm_table_name) AS table_name,
           trim(a.event) AS event,
           trim(a.solution) AS solution,
           count(DISTINCT a.query) AS queries,
           max(a.event_time) AS last_seen
    FROM redshift_query_logs_db.ext_stl_alert_event_log a
    JOIN redshift_query_logs_db.ext_stl_scan s
      ON s."cluster" = a."cluster"
     AND s.query = a.query
     AND s.slice = a.slice
     AND s.segment = a.segment
     AND s.step = a.step
    WHERE a."date" >= cast(current_date - INTERVAL '7' DAY AS varchar)
      AND s."date" >= cast(current_date - INTERVAL '8' DAY AS varchar)
    GROUP BY a."cluster", trim(s.perm_table_name), trim(a.event), trim(a.solution)
    ORDER BY queries DESC
    LIMIT 50;
"""

import json

from awacs import glue, kms, logs, s3
from awacs.aws import Allow, Condition, Statement, StringLike
from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template
from troposphere.cloudformation import CustomResource
from troposphere.glue import (
    Crawler,
    Database,
    DatabaseInput,
    RecrawlPolicy,
    S3Target,
    Schedule,
    SchemaChangePolicy,
    Targets,
)

from cfn_catalog.blocks.glue import glue_key, security_configuration
from cfn_catalog.blocks.iam import managed_policy_arn, partition_arn, service_role
from cfn_catalog.blocks.lambdas import python_function
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.blocks.s3 import BUCKET_NAME_PATTERN
from cfn_catalog.functions import extract_rs_query_logs as export_job
from cfn_catalog.registry import register

DATABASE_NAME = "redshift_query_logs_db"
TABLE_PREFIX = "ext_"
DATA_PREFIX = "extract_redshift_query_logs/data"
CRON_PATTERN = r"^cron\(\S+( \S+){5}\)$"


class StartCrawlerOnCreate(CustomResource):
    """Starts the crawler once (functions/start_crawler_on_create.py)."""

    resource_type = "Custom::StartCrawlerOnCreate"


@register
def build() -> Template:
    t = Template(
        Description="Glue database redshift_query_logs_db and a scheduled crawler (tables ext_*) over the Redshift "
        "system tables exported to S3 by redshift-stl-export, for cross-cluster queries in Athena"
    )
    bucket = t.add_parameter(
        Parameter(
            "S3Bucket",
            Type="String",
            AllowedPattern=BUCKET_NAME_PATTERN,
            ConstraintDescription="an S3 bucket name",
            Description=f"Bucket the export stack writes to (tables under {DATA_PREFIX}/)",
        )
    )
    schedule = t.add_parameter(
        Parameter(
            "CrawlerSchedule",
            Type="String",
            Default="cron(5 * * * ? *)",
            AllowedPattern=CRON_PATTERN,
            ConstraintDescription="a cron(...) expression with six fields",
            Description="When the crawler runs (UTC), e.g. cron(5 * * * ? *) for five past every hour",
        )
    )
    interface(
        t,
        [("Exported data", [bucket]), ("Crawler", [schedule])],
        labels={"S3Bucket": "Export bucket", "CrawlerSchedule": "Crawler schedule"},
    )

    key = glue_key(
        t,
        "CatalogKey",
        description="Encrypts the logs of the Redshift query-log crawler",
        alias=Sub("alias/${AWS::StackName}-redshift-query-logs-catalog"),
        sid="GlueCrawlerLogs",
    )
    security = security_configuration(
        t, "CrawlerSecurityConfiguration", config_name=Sub("${AWS::StackName}-redshift-query-logs-catalog"), key=key
    )
    database = t.add_resource(
        Database(
            "QueryLogsDatabase",
            CatalogId=Ref("AWS::AccountId"),
            DatabaseInput=DatabaseInput(
                Name=DATABASE_NAME,
                Description="Redshift system tables of many clusters, exported by redshift-stl-export",
            ),
        )
    )
    role = service_role(
        t,
        "CrawlerRole",
        service="glue.amazonaws.com",
        managed_policy_arns=[managed_policy_arn("service-role/AWSGlueServiceRole")],
        description="Crawls the exported Redshift system tables",
        statements=[
            Statement(
                Sid="ReadExportedTables",
                Effect=Allow,
                Action=[s3.GetObject],
                Resource=[Sub(f"arn:${{AWS::Partition}}:s3:::${{S3Bucket}}/{DATA_PREFIX}/*")],
            ),
            Statement(
                Sid="ListExportedTables",
                Effect=Allow,
                Action=[s3.ListBucket],
                Resource=[Sub("arn:${AWS::Partition}:s3:::${S3Bucket}")],
                Condition=Condition(StringLike("s3:prefix", [f"{DATA_PREFIX}/*"])),
            ),
            Statement(
                Sid="UseCatalogKey",
                Effect=Allow,
                Action=[kms.Decrypt, kms.Encrypt, kms.GenerateDataKey],
                Resource=[GetAtt(key, "Arn")],
            ),
            Statement(
                Sid="EncryptCrawlerLogs",
                Effect=Allow,
                Action=[logs.AssociateKmsKey],
                Resource=[partition_arn("logs", "log-group:/aws-glue/crawlers*")],
            ),
        ],
    )
    crawler = t.add_resource(
        Crawler(
            "QueryLogsCrawler",
            Description="Catalogs the Redshift system tables exported to S3 (tables ext_*)",
            Role=GetAtt(role, "Arn"),
            DatabaseName=Ref(database),
            TablePrefix=TABLE_PREFIX,
            Targets=Targets(
                S3Targets=[
                    S3Target(Path=Sub(f"s3://${{S3Bucket}}/{DATA_PREFIX}/{name}/")) for name in export_job.table_names()
                ]
            ),
            Schedule=Schedule(ScheduleExpression=Ref(schedule)),
            SchemaChangePolicy=SchemaChangePolicy(UpdateBehavior="LOG", DeleteBehavior="LOG"),
            RecrawlPolicy=RecrawlPolicy(RecrawlBehavior="CRAWL_NEW_FOLDERS_ONLY"),
            Configuration=json.dumps(
                {"Version": 1.0, "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}},
                separators=(",", ":"),
            ),
            CrawlerSecurityConfiguration=Ref(security),
        )
    )
    starter = python_function(
        t,
        "StartCrawlerFunction",
        module="start_crawler_on_create",
        handler="handler",
        description="Starts the query-log crawler once, when the stack is created",
        timeout=60,
        accepted={
            "CKV_AWS_116": "invoked synchronously by CloudFormation as a custom resource; failures are "
            "reported to the stack, a dead-letter queue would never receive anything",
            "CKV_AWS_117": "calls only the Glue API; running in a VPC would add endpoints or NAT for nothing",
        },
        statements=[
            Statement(
                Sid="StartQueryLogsCrawler",
                Effect=Allow,
                Action=[glue.StartCrawler],
                Resource=[partition_arn("glue", "crawler/${QueryLogsCrawler}")],
            )
        ],
    )
    t.add_resource(
        StartCrawlerOnCreate("StartCrawlerOnCreate", ServiceToken=GetAtt(starter, "Arn"), CrawlerName=Ref(crawler))
    )

    t.add_output(Output("DatabaseName", Description="Glue database of the ext_ tables", Value=Ref(database)))
    t.add_output(Output("CrawlerName", Description="Crawler of the exported system tables", Value=Ref(crawler)))
    return t
