"""Retain the system tables of several Amazon Redshift clusters in S3 with AWS Glue.

Redshift keeps STL system-table rows for a few days only. This stack copies
the new rows of eight of them (stl_alert_event_log, stl_ddltext, stl_explain,
stl_query, stl_querytext, stl_scan, stl_utilitytext, stl_wlm_query) from every
cluster in `ExportEnabledRedshiftClusters` to
`s3://<S3Bucket>/extract_redshift_query_logs/data/<table>/cluster=<id>/date=<yyyy-mm-dd>/`
as Parquet, every few minutes, so `redshift-stl-catalog` can catalog them for
cross-cluster diagnostic queries in Athena or Redshift Spectrum. Based on the
AWS Big Data blog post "How to retain system tables' data spanning multiple
Amazon Redshift clusters and run cross-cluster diagnostic queries".

How it works:

- An EventBridge rule runs the `InvokeRsStlExportEtl` Lambda on
  `ExportScheduleExpression` (every 10 minutes by default). It reads the SSM
  StringList `redshift_query_logs.global.enabled_cluster_list` and starts each
  cluster's Glue job `<cluster>_extract_rs_query_logs`, skipping one whose
  previous run is still active. Removing a cluster from that parameter by hand
  pauses its export without a stack update.
- The job (`functions/extract_rs_query_logs.py`) reads, per cluster and table,
  the last exported timestamp from the DynamoDB table `TrackingTable`, selects
  newer rows over JDBC, appends them to S3 and records the new timestamp. The
  exported tables are one list in that module (`SYSTEM_TABLES`): adding a
  system table or a custom query is one entry there, documented in the module.
- SSM parameters `redshift_query_logs.global.s3_prefix`, `.tempdir`, `.role`
  and `.enabled_cluster_list` publish the solution's settings as in the
  original (their names are fixed: one export stack per account and region).

Per-cluster Glue connection and job: the cluster list is a deploy-time value.
`Fn::ForEach` (AWS::LanguageExtensions) would declare them directly, but a
`Fn::ForEach::<loop>` entry is a list inside `Resources`, which the catalog's
tooling (nested-stack discovery, capabilities, reports) reads as resource
objects; so, as the original did, a custom resource (`ExportJobs`, code in
`functions/provision_rs_stl_export_jobs.py`) creates them. It is still
declarative: created with the stack, reconciled on every update (clusters
removed from the list lose their job and connection), deleted with the stack.
The scheduling Lambda therefore only starts jobs and needs no iam:PassRole;
only the provisioning function, which runs during deployments, may pass the
Glue role.

Prerequisites, per cluster `<id>` listed:

- A Secrets Manager secret named `<ClusterSecretPrefix><id>` (default
  `redshift-query-logs/<id>`) in Redshift's secret format, holding at least
  `username` and `password` (host, port and dbname may be present; the job
  takes the endpoint from the Glue connection, built from DescribeClusters).
  Encrypt it with the AWS managed key `aws/secretsmanager` or grant the Glue
  role kms:Decrypt on your key. The user needs
  `ALTER USER <user> SYSLOG ACCESS UNRESTRICTED` to read every user's rows.
- `GlueConnectionSubnet` (in `GlueConnectionAvailabilityZone`) must reach the
  clusters and the AWS services the job calls: S3 and DynamoDB (gateway
  endpoints or NAT), and Glue, CloudWatch Logs, CloudWatch metrics,
  Secrets Manager and STS (interface endpoints or a NAT gateway). Without
  them every run fails. In a private subnet without NAT, set
  `CreateVpcEndpoints`: `interface` creates the five interface endpoints
  (glue, logs, monitoring, secretsmanager, sts) in `VpcId`, in the Glue
  subnet, with `DataStoreSecurityGroups` (whose self-referencing rule admits
  the Glue job's HTTPS); `interface-and-gateway` also adds S3 and DynamoDB
  gateway endpoints to `GatewayEndpointRouteTableIds` (the Glue subnet's route
  table). Interface endpoints use private DNS: the VPC needs DNS support and
  DNS host names, and must not already have an endpoint with private DNS for
  one of those services (create the missing ones yourself then). Each of
  `DataStoreSecurityGroups` that Glue uses needs an inbound rule allowing all
  TCP from itself, and the clusters' security groups must allow it on their
  port.
- The job script `src/cfn_catalog/functions/extract_rs_query_logs.py` is this
  template's asset: `cfn-catalog publish` uploads it beside the template, to
  `s3://<TemplateBucketName>/<TemplateKeyPrefix>assets/extract_rs_query_logs.py`
  (the `ScriptLocation` output), and `launch-url` and `deploy` fill in those
  two parameters. Exports go to `data/` and Glue's scratch space is `temp/`
  under `S3Bucket`. The jobs run Glue 5.0 (Python 3.11).

Encryption: a customer managed KMS key encrypts the Glue job logs and job
bookmarks (Glue security configuration) and the DynamoDB table; Glue writes
S3 objects with SSE-S3 so the crawler and Athena read them without key grants.
"""

from awacs import dynamodb, glue, iam, kms, logs, redshift, s3, secretsmanager, ssm
from awacs.aws import Allow, Condition, Statement, StringEquals
from troposphere import Equals, GetAtt, Join, Not, Output, Parameter, Ref, Sub, Template
from troposphere.awslambda import Permission
from troposphere.cloudformation import CustomResource
from troposphere.dynamodb import (
    AttributeDefinition,
    KeySchema,
    PointInTimeRecoverySpecification,
    SSESpecification,
    Table,
)
from troposphere.events import Rule, Target
from troposphere.ssm import Parameter as SsmParameter

from cfn_catalog.blocks.glue import glue_key, security_configuration
from cfn_catalog.blocks.iam import managed_policy_arn, partition_arn, service_role
from cfn_catalog.blocks.lambdas import python_function
from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.blocks.nested import location_parameters
from cfn_catalog.blocks.vpc import service_endpoints
from cfn_catalog.functions import extract_rs_query_logs as job
from cfn_catalog.registry import register

PREFIX = "extract_redshift_query_logs"
SCRIPT = "extract_rs_query_logs.py"
# Where `cfn-catalog publish` puts the template's assets (see blocks.nested for the layout).
SCRIPT_LOCATION = f"s3://${{TemplateBucketName}}/${{TemplateKeyPrefix}}assets/{SCRIPT}"
SCRIPT_ARN = f"arn:${{AWS::Partition}}:s3:::${{TemplateBucketName}}/${{TemplateKeyPrefix}}assets/{SCRIPT}"
JOB_SUFFIX = "_extract_rs_query_logs"
CONNECTION_SUFFIX = "_redshift_query_logs"
GLUE_VERSION = "5.0"
SSM_PREFIX = "redshift_query_logs.global"
BUCKET_NAME_PATTERN = r"^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
CLUSTER_ID_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
# What the Glue job calls besides the clusters: interface endpoints, then gateway endpoints.
JOB_INTERFACE_SERVICES = ("glue", "logs", "monitoring", "secretsmanager", "sts")
JOB_GATEWAY_SERVICES = ("s3", "dynamodb")
ENDPOINT_CHOICES = ["none", "interface", "interface-and-gateway"]
SCHEDULE_PATTERN = r"^(rate\((([2-9]|[1-9][0-9]+) (minutes|hours|days)|1 (minute|hour|day))\)|cron\(\S+( \S+){5}\))$"

FUNCTION_FINDINGS = {
    "CKV_AWS_116": "invoked by CloudFormation or on a schedule; a failed invocation is reported to the stack "
    "or superseded by the next scheduled run, and errors are in the function's logs and Errors metric",
    "CKV_AWS_117": "calls only AWS APIs (Glue, SSM, Redshift); running in a VPC would add endpoints or NAT for nothing",
    "CKV_AWS_173": "environment variables hold only SSM parameter names, no secrets",
}


class ExportJobs(CustomResource):
    """The per-cluster Glue connections and jobs (functions/provision_rs_stl_export_jobs.py)."""

    resource_type = "Custom::RedshiftQueryLogsExportJobs"


def _parameters(t: Template) -> dict[str, Parameter]:
    p = {}
    p["S3Bucket"] = t.add_parameter(
        Parameter(
            "S3Bucket",
            Type="String",
            AllowedPattern=BUCKET_NAME_PATTERN,
            ConstraintDescription="an S3 bucket name",
            Description=f"Existing bucket for the export: data, temp and code under {PREFIX}/",
        )
    )
    p["ExportEnabledRedshiftClusters"] = t.add_parameter(
        Parameter(
            "ExportEnabledRedshiftClusters",
            Type="CommaDelimitedList",
            AllowedPattern=CLUSTER_ID_PATTERN,
            ConstraintDescription="comma-separated Redshift cluster identifiers (lowercase letters, digits, "
            "single hyphens, starting with a letter)",
            Description="Identifiers of the Redshift clusters (in this account and region) whose system "
            "tables are exported, comma-separated",
        )
    )
    p["DataStoreSecurityGroups"] = t.add_parameter(
        Parameter(
            "DataStoreSecurityGroups",
            Type="List<AWS::EC2::SecurityGroup::Id>",
            Description="Security groups for the Glue connections: allowed into the clusters, each with a "
            "self-referencing all-TCP inbound rule",
        )
    )
    p["GlueConnectionSubnet"] = t.add_parameter(
        Parameter(
            "GlueConnectionSubnet",
            Type="AWS::EC2::Subnet::Id",
            Description="Private subnet the Glue jobs run in: must reach the clusters and S3, DynamoDB, Glue, "
            "CloudWatch Logs and metrics, Secrets Manager and STS (NAT gateway or VPC endpoints; see "
            "CreateVpcEndpoints), or every run fails",
        )
    )
    p["GlueConnectionAvailabilityZone"] = t.add_parameter(
        Parameter(
            "GlueConnectionAvailabilityZone",
            Type="AWS::EC2::AvailabilityZone::Name",
            Description="Availability Zone of GlueConnectionSubnet",
        )
    )
    p["ClusterSecretPrefix"] = t.add_parameter(
        Parameter(
            "ClusterSecretPrefix",
            Type="String",
            Default="redshift-query-logs/",
            AllowedPattern=r"^[A-Za-z0-9/_+=.@-]{1,200}$",
            ConstraintDescription="letters, digits and /_+=.@-",
            Description="Each cluster's credentials are the Secrets Manager secret named this prefix + "
            "cluster identifier (JSON with username and password)",
        )
    )
    p["ExportScheduleExpression"] = t.add_parameter(
        Parameter(
            "ExportScheduleExpression",
            Type="String",
            Default="rate(10 minutes)",
            AllowedPattern=SCHEDULE_PATTERN,
            ConstraintDescription="an EventBridge rate(...) or cron(...) expression",
            Description="How often the export jobs are started",
        )
    )
    p["CreateVpcEndpoints"] = t.add_parameter(
        Parameter(
            "CreateVpcEndpoints",
            Type="String",
            Default="none",
            AllowedValues=ENDPOINT_CHOICES,
            Description="VPC endpoints to create for a Glue subnet without NAT: none (the subnet reaches the "
            "services already), interface (glue, logs, monitoring, secretsmanager, sts, in the Glue subnet) or "
            "interface-and-gateway (also S3 and DynamoDB gateway endpoints)",
        )
    )
    p["VpcId"] = t.add_parameter(
        Parameter(
            "VpcId",
            Type="String",
            Default="",
            AllowedPattern=r"^$|^vpc-[0-9a-f]{8}([0-9a-f]{9})?$",
            ConstraintDescription="a VPC id, or empty",
            Description="VPC of GlueConnectionSubnet; required when CreateVpcEndpoints is not none",
        )
    )
    p["GatewayEndpointRouteTableIds"] = t.add_parameter(
        Parameter(
            "GatewayEndpointRouteTableIds",
            Type="CommaDelimitedList",
            Default="",
            AllowedPattern=r"^$|^rtb-[0-9a-f]{8}([0-9a-f]{9})?$",
            ConstraintDescription="comma-separated route table ids, or empty",
            Description="Route tables (of GlueConnectionSubnet) the S3 and DynamoDB gateway endpoints are added "
            "to; required when CreateVpcEndpoints is interface-and-gateway",
        )
    )
    location = location_parameters(t, with_region=False)
    t.set_metadata({"cfn-catalog": {"Assets": [SCRIPT]}})
    interface(
        t,
        [
            ("Clusters", [p["ExportEnabledRedshiftClusters"], p["ClusterSecretPrefix"]]),
            ("Export", [p["S3Bucket"], p["ExportScheduleExpression"]]),
            (
                "Network of the Glue jobs",
                [
                    p["GlueConnectionSubnet"],
                    p["GlueConnectionAvailabilityZone"],
                    p["DataStoreSecurityGroups"],
                    p["CreateVpcEndpoints"],
                    p["VpcId"],
                    p["GatewayEndpointRouteTableIds"],
                ],
            ),
            ("Job script (published by cfn-catalog publish)", location),
        ],
        labels={
            "ExportEnabledRedshiftClusters": "Redshift clusters to export",
            "ClusterSecretPrefix": "Cluster secret name prefix",
            "S3Bucket": "Export bucket",
            "ExportScheduleExpression": "Schedule",
            "GlueConnectionSubnet": "Subnet",
            "GlueConnectionAvailabilityZone": "Subnet's Availability Zone",
            "DataStoreSecurityGroups": "Security groups",
            "CreateVpcEndpoints": "VPC endpoints to create",
            "VpcId": "VPC (for endpoints)",
            "GatewayEndpointRouteTableIds": "Route tables (for gateway endpoints)",
            "TemplateBucketName": "Template bucket",
            "TemplateKeyPrefix": "Template key prefix",
        },
    )
    return p


def _endpoints(t: Template, p: dict[str, Parameter]) -> None:
    """The optional VPC endpoints the Glue job needs in a subnet without NAT (CreateVpcEndpoints)."""
    choice = Ref(p["CreateVpcEndpoints"])
    t.add_condition("CreatesInterfaceEndpoints", Not(Equals(choice, "none")))
    t.add_condition("CreatesGatewayEndpoints", Equals(choice, "interface-and-gateway"))
    t.add_rule(
        "VpcEndpointsNeedTheVpc",
        {
            "RuleCondition": Not(Equals(choice, "none")),
            "Assertions": [
                {
                    "Assert": Not(Equals(Ref(p["VpcId"]), "")),
                    "AssertDescription": "VpcId is required when CreateVpcEndpoints is not none",
                }
            ],
        },
    )
    t.add_rule(
        "GatewayEndpointsNeedRouteTables",
        {
            "RuleCondition": Equals(choice, "interface-and-gateway"),
            "Assertions": [
                {
                    "Assert": Not(Equals(Join("", Ref(p["GatewayEndpointRouteTableIds"])), "")),
                    "AssertDescription": "GatewayEndpointRouteTableIds is required with interface-and-gateway",
                }
            ],
        },
    )
    endpoints = service_endpoints(
        t,
        "GlueJob",
        vpc_id=Ref(p["VpcId"]),
        interface_services=JOB_INTERFACE_SERVICES,
        subnet_ids=[Ref(p["GlueConnectionSubnet"])],
        security_group_ids=Ref(p["DataStoreSecurityGroups"]),
        gateway_services=JOB_GATEWAY_SERVICES,
        route_table_ids=Ref(p["GatewayEndpointRouteTableIds"]),
        interface_condition="CreatesInterfaceEndpoints",
        gateway_condition="CreatesGatewayEndpoints",
    )
    for endpoint in endpoints:
        accept_findings(
            endpoint,
            cfn_lint={
                "W1030": "VpcId defaults to empty only for CreateVpcEndpoints none, when no endpoint exists; "
                "the rule VpcEndpointsNeedTheVpc requires a VPC id otherwise"
            },
        )


def _s3_uri(folder: str) -> Sub:
    return Sub(f"s3://${{S3Bucket}}/{PREFIX}/{folder}/")


def _object_arns(*folders: str) -> list[Sub]:
    return [Sub(f"arn:${{AWS::Partition}}:s3:::${{S3Bucket}}/{PREFIX}/{folder}/*") for folder in folders]


def _job_arns() -> list[Sub]:
    return [partition_arn("glue", f"job/*{JOB_SUFFIX}")]


def _ssm_arn(name: str) -> Sub:
    return partition_arn("ssm", f"parameter/{SSM_PREFIX}.{name}")


@register
def build() -> Template:
    t = Template(
        Description="Exports the system tables (STL) of several Amazon Redshift clusters to S3 every few minutes "
        "with AWS Glue jobs, a scheduling Lambda and a DynamoDB high-water mark per cluster and table"
    )
    p = _parameters(t)
    _endpoints(t, p)

    key = glue_key(
        t,
        "ExportKey",
        description="Encrypts the Redshift system-table export's Glue logs, job bookmarks and tracking table",
        alias=Sub("alias/${AWS::StackName}-redshift-query-logs"),
        sid="GlueJobLogs",
    )
    security = security_configuration(
        t, "GlueSecurityConfiguration", config_name=Sub("${AWS::StackName}-redshift-query-logs"), key=key
    )
    table = t.add_resource(
        Table(
            "TrackingTable",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                AttributeDefinition(AttributeName=job.CLUSTER_KEY, AttributeType="S"),
                AttributeDefinition(AttributeName=job.TABLE_KEY, AttributeType="S"),
            ],
            KeySchema=[
                KeySchema(AttributeName=job.CLUSTER_KEY, KeyType="HASH"),
                KeySchema(AttributeName=job.TABLE_KEY, KeyType="RANGE"),
            ],
            SSESpecification=SSESpecification(SSEEnabled=True, SSEType="KMS", KMSMasterKeyId=GetAtt(key, "Arn")),
            PointInTimeRecoverySpecification=PointInTimeRecoverySpecification(PointInTimeRecoveryEnabled=True),
        )
    )

    glue_role = service_role(
        t,
        "GlueJobRole",
        service="glue.amazonaws.com",
        managed_policy_arns=[managed_policy_arn("service-role/AWSGlueServiceRole")],
        description="Runs the Redshift system-table export jobs",
        statements=[
            Statement(Sid="ReadScript", Effect=Allow, Action=[s3.GetObject], Resource=[Sub(SCRIPT_ARN)]),
            Statement(
                Sid="WriteExportAndTemp",
                Effect=Allow,
                Action=[s3.GetObject, s3.PutObject, s3.DeleteObject],
                Resource=_object_arns("data", "temp"),
            ),
            # Spark's S3 file system also checks the bucket itself (HeadBucket, listings without
            # a prefix), which an s3:prefix condition would deny: listing is allowed on this bucket.
            Statement(
                Sid="ListExportBucket",
                Effect=Allow,
                Action=[s3.ListBucket],
                Resource=[Sub("arn:${AWS::Partition}:s3:::${S3Bucket}")],
            ),
            Statement(
                Sid="TrackExportedTimestamps",
                Effect=Allow,
                Action=[dynamodb.GetItem, dynamodb.PutItem],
                Resource=[GetAtt(table, "Arn")],
            ),
            Statement(
                Sid="ReadClusterCredentials",
                Effect=Allow,
                Action=[secretsmanager.GetSecretValue],
                Resource=[partition_arn("secretsmanager", "secret:${ClusterSecretPrefix}*")],
            ),
            Statement(
                Sid="UseExportKey",
                Effect=Allow,
                Action=[kms.Decrypt, kms.Encrypt, kms.GenerateDataKey],
                Resource=[GetAtt(key, "Arn")],
            ),
            Statement(
                Sid="EncryptJobLogs",
                Effect=Allow,
                Action=[logs.AssociateKmsKey],
                Resource=[partition_arn("logs", "log-group:/aws-glue/jobs/*")],
            ),
        ],
    )

    settings = {
        "s3_prefix": _s3_uri("data"),
        "tempdir": _s3_uri("temp"),
        "role": GetAtt(glue_role, "Arn"),
    }
    descriptions = {
        "s3_prefix": "Where the Redshift system tables are exported",
        "tempdir": "Scratch location of the export jobs",
        "role": "Role of the export jobs",
    }
    for name, value in settings.items():
        t.add_resource(
            SsmParameter(
                f"{name.title().replace('_', '')}Parameter",
                Name=f"{SSM_PREFIX}.{name}",
                Type="String",
                Value=value,
                Description=descriptions[name],
            )
        )
    cluster_list = t.add_resource(
        SsmParameter(
            "EnabledClusterListParameter",
            Name=f"{SSM_PREFIX}.enabled_cluster_list",
            Type="StringList",
            Value=Join(",", Ref(p["ExportEnabledRedshiftClusters"])),
            Description="Clusters whose export jobs the schedule starts",
        )
    )

    provisioner = python_function(
        t,
        "ProvisionExportJobs",
        module="provision_rs_stl_export_jobs",
        handler="handler",
        description="Creates, updates and deletes the per-cluster Glue connections and export jobs",
        timeout=300,
        accepted=FUNCTION_FINDINGS,
        statements=[
            Statement(
                Sid="ManageExportJobs",
                Effect=Allow,
                Action=[glue.GetJob, glue.CreateJob, glue.UpdateJob, glue.DeleteJob],
                Resource=_job_arns(),
            ),
            Statement(
                Sid="ManageClusterConnections",
                Effect=Allow,
                Action=[glue.GetConnection, glue.CreateConnection, glue.UpdateConnection, glue.DeleteConnection],
                Resource=[partition_arn("glue", "catalog"), partition_arn("glue", f"connection/*{CONNECTION_SUFFIX}")],
            ),
            Statement(
                Sid="FindClusterEndpoints",
                Effect=Allow,
                Action=[redshift.DescribeClusters],
                Resource=[partition_arn("redshift", "cluster:*")],
            ),
            Statement(
                Sid="PassGlueJobRole",
                Effect=Allow,
                Action=[iam.PassRole],
                Resource=[GetAtt(glue_role, "Arn")],
                Condition=Condition(StringEquals("iam:PassedToService", "glue.amazonaws.com")),
            ),
        ],
    )
    jobs = t.add_resource(
        ExportJobs(
            "ExportJobs",
            ServiceToken=GetAtt(provisioner, "Arn"),
            Clusters=Ref(p["ExportEnabledRedshiftClusters"]),
            SecretPrefix=Ref(p["ClusterSecretPrefix"]),
            PhysicalConnectionRequirements={
                "SubnetId": Ref(p["GlueConnectionSubnet"]),
                "AvailabilityZone": Ref(p["GlueConnectionAvailabilityZone"]),
                "SecurityGroupIdList": Ref(p["DataStoreSecurityGroups"]),
            },
            Job={
                "Role": GetAtt(glue_role, "Arn"),
                "Command": {
                    "Name": "glueetl",
                    "PythonVersion": "3",
                    "ScriptLocation": Sub(SCRIPT_LOCATION),
                },
                "DefaultArguments": {
                    "--TempDir": _s3_uri("temp"),
                    "--s3_prefix": _s3_uri("data"),
                    "--tracking_table": Ref(table),
                    "--job-bookmark-option": "job-bookmark-disable",
                    "--enable-metrics": "true",
                },
                "GlueVersion": GLUE_VERSION,
                "WorkerType": "G.1X",
                "SecurityConfiguration": Ref(security),
            },
        )
    )

    scheduler = python_function(
        t,
        "InvokeRsStlExportEtl",
        module="invoke_rs_stl_export_etl",
        handler="handler",
        description="Starts the Glue export job of every enabled Redshift cluster",
        timeout=60,
        accepted=FUNCTION_FINDINGS,
        environment={"CLUSTER_LIST_PARAMETER": Ref(cluster_list)},
        statements=[
            Statement(
                Sid="ReadEnabledClusters",
                Effect=Allow,
                Action=[ssm.GetParameter],
                Resource=[_ssm_arn("enabled_cluster_list")],
            ),
            Statement(
                Sid="StartExportJobs",
                Effect=Allow,
                Action=[glue.GetJobRuns, glue.StartJobRun],
                Resource=_job_arns(),
            ),
        ],
    )
    rule = t.add_resource(
        Rule(
            "ExportScheduleRule",
            DependsOn=[jobs.title],
            Description="Starts the Redshift system-table export",
            ScheduleExpression=Ref(p["ExportScheduleExpression"]),
            State="ENABLED",
            Targets=[Target(Id="InvokeRsStlExportEtl", Arn=GetAtt(scheduler, "Arn"))],
        )
    )
    t.add_resource(
        Permission(
            "ExportSchedulePermission",
            Action="lambda:InvokeFunction",
            FunctionName=Ref(scheduler),
            Principal="events.amazonaws.com",
            SourceArn=GetAtt(rule, "Arn"),
        )
    )

    outputs = [
        ("ScriptLocation", "The export job's script, as published by cfn-catalog publish", Sub(SCRIPT_LOCATION)),
        ("DataLocation", "Exported system tables (one folder per table)", _s3_uri("data")),
        ("TrackingTableName", "DynamoDB table of the last exported timestamp per cluster and table", Ref(table)),
        ("GlueJobRoleArn", "Role of the export jobs", GetAtt(glue_role, "Arn")),
        ("GlueSecurityConfigurationName", "Glue security configuration of the export jobs", Ref(security)),
        ("SchedulerFunctionName", "Lambda that starts the export jobs", Ref(scheduler)),
        ("EnabledClusterListParameterName", "SSM StringList of the clusters the schedule starts", Ref(cluster_list)),
    ]
    for name, description, value in outputs:
        t.add_output(Output(name, Description=description, Value=value))
    return t
