"""A streaming SQL application on Amazon Managed Service for Apache Flink, between two Kinesis streams.

The solution of "AWS CloudFormation Supports Amazon Kinesis Analytics
Applications", rebuilt on the service's successor: Kinesis Data Analytics for
SQL applications can no longer be created (new ones stopped on 2025-10-15 and
existing ones are deleted from 2026-01-27), so the SQL runs in a PyFlink job
(`cfn_catalog/functions/flink_tumbling_window.py`) on Managed Service for
Apache Flink 1.20. The job reads JSON stock-ticker records from the input
stream, aggregates them per ticker in tumbling windows of `WindowSizeSeconds`
and writes one record per ticker and window to the output stream. Both streams
are encrypted with the AWS managed key `alias/aws/kinesis`.

Use it for continuous aggregations over a Kinesis data stream: metrics per
key and minute, counts per window, the kind of query a KDA SQL application
used to run.

The job's code is a published asset: `cfn-catalog publish` builds
`assets/flink_tumbling_window.zip` beside the template (declared in its
Metadata) from

    flink_tumbling_window.py                        (functions/, at the root)
    lib/flink-sql-connector-kinesis-5.0.0-1.20.jar  (org.apache.flink:flink-sql-connector-kinesis:5.0.0-1.20,
                                                     fetched once from Maven Central and checked)

and the application reads it from TemplateBucketName/TemplateKeyPrefix,
which `deploy` and Launch Stack links fill in; keep that bucket in the
stack's region. To run your own build instead, set CodeBucketName (and
CodeKey; ConnectorJarPath names the jar's path in your zip); to roll out a
new build under the same key, set CodeObjectVersion to its object version.

CloudFormation creates the application in the READY state; with
StartApplication=true (the default) a small custom resource
(`functions/start_flink_application.py`) starts it once, right after it is
created, where the post had the console's Run button. Later stack updates
restart a running application from its latest snapshot. With
StartApplication=false, start it yourself with `aws kinesisanalyticsv2
start-application --application-name <ApplicationName>`. The application logs
to its own log group; checkpoints, snapshots and automatic rollback of failed
updates are on.
"""

from awacs import kinesisanalytics
from awacs.aws import Allow, Statement
from awacs.cloudwatch import PutMetricData
from awacs.kinesis import (
    DescribeStream,
    DescribeStreamSummary,
    GetRecords,
    GetShardIterator,
    ListShards,
    PutRecord,
    PutRecords,
)
from awacs.logs import DescribeLogGroups, DescribeLogStreams, PutLogEvents
from awacs.s3 import GetObject, GetObjectVersion
from troposphere import And, Condition, Equals, GetAtt, If, Not, Output, Parameter, Ref, Sub, Tags, Template
from troposphere.cloudformation import CustomResource
from troposphere.kinesis import Stream, StreamEncryption, StreamModeDetails
from troposphere.kinesisanalyticsv2 import (
    Application,
    ApplicationCloudWatchLoggingOption,
    ApplicationCodeConfiguration,
    ApplicationConfiguration,
    ApplicationRestoreConfiguration,
    ApplicationSnapshotConfiguration,
    ApplicationSystemRollbackConfiguration,
    CheckpointConfiguration,
    CloudWatchLoggingOption,
    CodeContent,
    EnvironmentProperties,
    FlinkApplicationConfiguration,
    FlinkRunConfiguration,
    MonitoringConfiguration,
    ParallelismConfiguration,
    PropertyGroup,
    RunConfiguration,
    S3ContentLocation,
)
from troposphere.logs import LogStream

from cfn_catalog.blocks.iam import partition_arn, service_role
from cfn_catalog.blocks.lambdas import python_function
from cfn_catalog.blocks.logs import log_group
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.blocks.nested import location_parameters
from cfn_catalog.functions import flink_tumbling_window as job
from cfn_catalog.registry import register

RUNTIME = "FLINK-1_20"
JOB_FILE = f"{job.__name__.rsplit('.', 1)[-1]}.py"
RUN_OPTIONS_GROUP = "kinesis.analytics.flink.run.options"
DEFAULT_CONNECTOR_JAR = "lib/flink-sql-connector-kinesis-5.0.0-1.20.jar"
KINESIS_MANAGED_KEY = "alias/aws/kinesis"
BOOLEAN = ["true", "false"]
S3_KEY_PATTERN = r"^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]{0,1019}\.zip$"
CONNECTOR = "org.apache.flink:flink-sql-connector-kinesis:5.0.0-1.20"
BUNDLE = f"{JOB_FILE.removesuffix('.py')}.zip"
# What `cfn-catalog publish` zips and uploads as assets/<BUNDLE> (publish.py, maven.py).
ASSETS = [{"Zip": BUNDLE, "Files": {JOB_FILE: JOB_FILE}, "Maven": {DEFAULT_CONNECTOR_JAR: CONNECTOR}}]


class StartApplicationOnCreate(CustomResource):
    """Starts the application once (functions/start_flink_application.py)."""

    resource_type = "Custom::StartFlinkApplication"


def _number(t, name, *, default, minimum, maximum, description) -> Parameter:
    return t.add_parameter(
        Parameter(name, Type="Number", Default=default, MinValue=minimum, MaxValue=maximum, Description=description)
    )


def _choice(t, name, *, default, values, description) -> Parameter:
    return t.add_parameter(
        Parameter(name, Type="String", Default=default, AllowedValues=values, Description=description)
    )


def _parameters(t: Template) -> dict[str, Parameter]:
    p: dict[str, Parameter] = {}
    p["CodeBucketName"] = t.add_parameter(
        Parameter(
            "CodeBucketName",
            Type="String",
            Default="",
            AllowedPattern=r"^((?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$",
            ConstraintDescription="an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens), or empty",
            Description="Bucket of your own build of the job (in this region); empty runs the published "
            f"assets/{BUNDLE}",
        )
    )
    p["CodeKey"] = t.add_parameter(
        Parameter(
            "CodeKey",
            Type="String",
            Default=BUNDLE,
            AllowedPattern=S3_KEY_PATTERN,
            ConstraintDescription="an S3 object key ending in .zip, without a leading '/'",
            Description=f"Key of your zip in CodeBucketName: {JOB_FILE} at its root and the Kinesis SQL "
            "connector jar (ignored without CodeBucketName)",
        )
    )
    p["CodeObjectVersion"] = t.add_parameter(
        Parameter(
            "CodeObjectVersion",
            Type="String",
            Default="",
            AllowedPattern=r"^[A-Za-z0-9._+/=-]{0,1024}$",
            ConstraintDescription="an S3 object version id, or empty",
            Description="Version of your zip to run (versioned bucket); change it to deploy new code "
            "under the same key. Empty runs the latest object (ignored without CodeBucketName)",
        )
    )
    p["ConnectorJarPath"] = t.add_parameter(
        Parameter(
            "ConnectorJarPath",
            Type="String",
            Default=DEFAULT_CONNECTOR_JAR,
            AllowedPattern=r"^[A-Za-z0-9_.-][A-Za-z0-9_./-]{0,254}\.jar$",
            ConstraintDescription="a relative path inside the zip ending in .jar",
            Description="Path of the flink-sql-connector-kinesis jar inside the zip (the published one has it "
            "at the default)",
        )
    )
    p["WindowSizeSeconds"] = _number(
        t,
        "WindowSizeSeconds",
        default=60,
        minimum=1,
        maximum=job.MAX_WINDOW_SECONDS,
        description="Length of each tumbling window in seconds",
    )
    p["InitialPosition"] = _choice(
        t,
        "InitialPosition",
        default="LATEST",
        values=list(job.INITIAL_POSITIONS),
        description="Where the job starts reading the input stream when it has no snapshot",
    )
    p["StreamMode"] = _choice(
        t,
        "StreamMode",
        default="ON_DEMAND",
        values=["ON_DEMAND", "PROVISIONED"],
        description="Capacity mode of both streams: ON_DEMAND scales by itself; PROVISIONED uses ShardCount",
    )
    p["ShardCount"] = _number(
        t,
        "ShardCount",
        default=1,
        minimum=1,
        maximum=500,
        description="Shards of each stream in PROVISIONED mode (ignored ON_DEMAND)",
    )
    p["RetentionHours"] = _number(
        t,
        "RetentionHours",
        default=24,
        minimum=24,
        maximum=8760,
        description="How long the streams keep records, in hours",
    )
    p["Parallelism"] = _number(
        t,
        "Parallelism",
        default=1,
        minimum=1,
        maximum=1000,
        description="Initial number of parallel tasks of the job",
    )
    p["ParallelismPerKPU"] = _number(
        t,
        "ParallelismPerKPU",
        default=1,
        minimum=1,
        maximum=8,
        description="Parallel tasks per Kinesis Processing Unit (1 vCPU, 4 GB); raise it for I/O-bound jobs",
    )
    p["AutoScalingEnabled"] = _choice(
        t,
        "AutoScalingEnabled",
        default="true",
        values=BOOLEAN,
        description="Let the service raise and lower parallelism with CPU use",
    )
    p["CheckpointingEnabled"] = _choice(
        t,
        "CheckpointingEnabled",
        default="true",
        values=BOOLEAN,
        description="Take periodic checkpoints (exactly-once state across failures)",
    )
    p["CheckpointInterval"] = _number(
        t,
        "CheckpointInterval",
        default=60000,
        minimum=1000,
        maximum=3600000,
        description="Milliseconds between checkpoints",
    )
    p["MinPauseBetweenCheckpoints"] = _number(
        t,
        "MinPauseBetweenCheckpoints",
        default=5000,
        minimum=0,
        maximum=3600000,
        description="Minimum milliseconds from the end of one checkpoint to the start of the next",
    )
    p["StartApplication"] = _choice(
        t,
        "StartApplication",
        default="true",
        values=BOOLEAN,
        description="Start the application when the stack creates it (false: start it yourself later)",
    )
    p["LogLevel"] = _choice(
        t,
        "LogLevel",
        default="INFO",
        values=["ERROR", "WARN", "INFO", "DEBUG"],
        description="Level of the application's CloudWatch logs",
    )
    p["LogRetentionDays"] = _choice(
        t,
        "LogRetentionDays",
        default="90",
        values=["7", "14", "30", "60", "90", "180", "365", "731", "1827", "3653"],
        description="Days the application's logs are kept",
    )
    location = location_parameters(t, with_region=False)
    p.update((parameter.title, parameter) for parameter in location)
    interface(
        t,
        [
            (
                "Application code",
                [
                    p[n]
                    for n in (
                        "TemplateBucketName",
                        "TemplateKeyPrefix",
                        "CodeBucketName",
                        "CodeKey",
                        "CodeObjectVersion",
                        "ConnectorJarPath",
                    )
                ],
            ),
            ("Query", [p["WindowSizeSeconds"], p["InitialPosition"], p["StartApplication"]]),
            ("Streams", [p["StreamMode"], p["ShardCount"], p["RetentionHours"]]),
            ("Scaling", [p["Parallelism"], p["ParallelismPerKPU"], p["AutoScalingEnabled"]]),
            ("Checkpointing", [p["CheckpointingEnabled"], p["CheckpointInterval"], p["MinPauseBetweenCheckpoints"]]),
            ("Logging", [p["LogLevel"], p["LogRetentionDays"]]),
        ],
        labels={
            "TemplateBucketName": "Template bucket (published code)",
            "TemplateKeyPrefix": "Template key prefix",
            "CodeBucketName": "Own code bucket (optional)",
            "CodeKey": "Own code zip key",
            "CodeObjectVersion": "Own code object version",
            "ConnectorJarPath": "Connector jar path in the zip",
            "WindowSizeSeconds": "Window size (seconds)",
            "InitialPosition": "Initial stream position",
            "StartApplication": "Start the application",
            "StreamMode": "Stream capacity mode",
            "ShardCount": "Shards per stream (provisioned)",
            "RetentionHours": "Stream retention (hours)",
            "Parallelism": "Parallelism",
            "ParallelismPerKPU": "Parallelism per KPU",
            "AutoScalingEnabled": "Automatic scaling",
            "CheckpointingEnabled": "Checkpointing",
            "CheckpointInterval": "Checkpoint interval (ms)",
            "MinPauseBetweenCheckpoints": "Minimum pause between checkpoints (ms)",
            "LogLevel": "Log level",
            "LogRetentionDays": "Log retention (days)",
        },
    )
    return p


def _stream(t: Template, name: str, purpose: str, p: dict[str, Parameter]) -> Stream:
    return t.add_resource(
        Stream(
            name,
            StreamModeDetails=StreamModeDetails(StreamMode=Ref(p["StreamMode"])),
            ShardCount=If("IsProvisioned", Ref(p["ShardCount"]), Ref("AWS::NoValue")),
            RetentionPeriodHours=Ref(p["RetentionHours"]),
            StreamEncryption=StreamEncryption(EncryptionType="KMS", KeyId=KINESIS_MANAGED_KEY),
            Tags=Tags(Application="kinesis-analytics-app", Purpose=purpose),
        )
    )


def _role(t: Template, p, source: Stream, sink: Stream, group, stream: LogStream):
    logs_arn = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
    return service_role(
        t,
        "ApplicationRole",
        service="kinesisanalytics.amazonaws.com",
        description="Service role of the Flink application: its code, its two streams, its logs",
        statements=[
            Statement(
                Sid="ReadApplicationCode",
                Effect=Allow,
                Action=[GetObject, GetObjectVersion],
                Resource=[
                    If(
                        "UsesOwnCode",
                        Sub("arn:${AWS::Partition}:s3:::${CodeBucketName}/${CodeKey}"),
                        Sub(
                            f"arn:${{AWS::Partition}}:s3:::${{TemplateBucketName}}/${{TemplateKeyPrefix}}assets/{BUNDLE}"
                        ),
                    )
                ],
            ),
            Statement(
                Sid="ReadInputStream",
                Effect=Allow,
                Action=[DescribeStream, DescribeStreamSummary, ListShards, GetShardIterator, GetRecords],
                Resource=[GetAtt(source, "Arn")],
            ),
            Statement(
                Sid="WriteOutputStream",
                Effect=Allow,
                Action=[DescribeStream, DescribeStreamSummary, ListShards, PutRecord, PutRecords],
                Resource=[GetAtt(sink, "Arn")],
            ),
            Statement(
                Sid="FindLogGroups",
                Effect=Allow,
                Action=[DescribeLogGroups],
                Resource=[Sub(logs_arn + "*")],
            ),
            Statement(
                Sid="FindLogStreams",
                Effect=Allow,
                Action=[DescribeLogStreams],
                Resource=[Sub(logs_arn + f"${{{group.title}}}:log-stream:*")],
            ),
            Statement(
                Sid="WriteLogs",
                Effect=Allow,
                Action=[PutLogEvents],
                Resource=[Sub(logs_arn + f"${{{group.title}}}:log-stream:${{{stream.title}}}")],
            ),
            # PutMetricData has no resource-level permissions: CloudWatch only
            # accepts "*" here (the Kinesis connectors publish their own metrics).
            Statement(Sid="PublishMetrics", Effect=Allow, Action=[PutMetricData], Resource=["*"]),
        ],
    )


def _application(t: Template, p, role, source: Stream, sink: Stream) -> Application:
    return t.add_resource(
        Application(
            "Application",
            ApplicationDescription="Tumbling-window aggregation of the input stream into the output stream",
            RuntimeEnvironment=RUNTIME,
            ApplicationMode="STREAMING",
            ServiceExecutionRole=GetAtt(role, "Arn"),
            ApplicationConfiguration=ApplicationConfiguration(
                ApplicationCodeConfiguration=ApplicationCodeConfiguration(
                    CodeContentType="ZIPFILE",
                    CodeContent=CodeContent(
                        S3ContentLocation=S3ContentLocation(
                            BucketARN=If(
                                "UsesOwnCode",
                                Sub("arn:${AWS::Partition}:s3:::${CodeBucketName}"),
                                Sub("arn:${AWS::Partition}:s3:::${TemplateBucketName}"),
                            ),
                            FileKey=If("UsesOwnCode", Ref(p["CodeKey"]), Sub(f"${{TemplateKeyPrefix}}assets/{BUNDLE}")),
                            ObjectVersion=If("HasCodeObjectVersion", Ref(p["CodeObjectVersion"]), Ref("AWS::NoValue")),
                        )
                    ),
                ),
                EnvironmentProperties=EnvironmentProperties(
                    PropertyGroups=[
                        PropertyGroup(
                            PropertyGroupId=RUN_OPTIONS_GROUP,
                            PropertyMap={"python": JOB_FILE, "jarfile": Ref(p["ConnectorJarPath"])},
                        ),
                        PropertyGroup(
                            PropertyGroupId=job.PROPERTY_GROUP,
                            PropertyMap={
                                job.INPUT_STREAM_ARN: GetAtt(source, "Arn"),
                                job.OUTPUT_STREAM_ARN: GetAtt(sink, "Arn"),
                                job.REGION: Ref("AWS::Region"),
                                job.WINDOW_SECONDS: Ref(p["WindowSizeSeconds"]),
                                job.INITIAL_POSITION: Ref(p["InitialPosition"]),
                            },
                        ),
                    ]
                ),
                FlinkApplicationConfiguration=FlinkApplicationConfiguration(
                    CheckpointConfiguration=CheckpointConfiguration(
                        ConfigurationType="CUSTOM",
                        CheckpointingEnabled=Ref(p["CheckpointingEnabled"]),
                        CheckpointInterval=Ref(p["CheckpointInterval"]),
                        MinPauseBetweenCheckpoints=Ref(p["MinPauseBetweenCheckpoints"]),
                    ),
                    ParallelismConfiguration=ParallelismConfiguration(
                        ConfigurationType="CUSTOM",
                        Parallelism=Ref(p["Parallelism"]),
                        ParallelismPerKPU=Ref(p["ParallelismPerKPU"]),
                        AutoScalingEnabled=Ref(p["AutoScalingEnabled"]),
                    ),
                    MonitoringConfiguration=MonitoringConfiguration(
                        ConfigurationType="CUSTOM", LogLevel=Ref(p["LogLevel"]), MetricsLevel="APPLICATION"
                    ),
                ),
                ApplicationSnapshotConfiguration=ApplicationSnapshotConfiguration(SnapshotsEnabled=True),
                ApplicationSystemRollbackConfiguration=ApplicationSystemRollbackConfiguration(RollbackEnabled=True),
            ),
            RunConfiguration=RunConfiguration(
                ApplicationRestoreConfiguration=ApplicationRestoreConfiguration(
                    ApplicationRestoreType="RESTORE_FROM_LATEST_SNAPSHOT"
                ),
                FlinkRunConfiguration=FlinkRunConfiguration(AllowNonRestoredState=False),
            ),
            Tags=Tags(Application="kinesis-analytics-app"),
        )
    )


def _start_on_create(t: Template, app: Application, logging_option) -> None:
    starter = python_function(
        t,
        "StartApplicationFunction",
        module="start_flink_application",
        handler="handler",
        description="Starts the Flink application once, when the stack creates it",
        timeout=60,
        condition="StartsOnCreate",
        accepted={
            "CKV_AWS_116": "invoked synchronously by CloudFormation as a custom resource; failures are "
            "reported to the stack, a dead-letter queue would never receive anything",
            "CKV_AWS_117": "calls only the Managed Flink API; running in a VPC would add endpoints or NAT for nothing",
        },
        statements=[
            Statement(
                Sid="StartTheApplication",
                Effect=Allow,
                Action=[kinesisanalytics.Action("DescribeApplication"), kinesisanalytics.Action("StartApplication")],
                Resource=[partition_arn("kinesisanalytics", f"application/${{{app.title}}}")],
            )
        ],
    )
    t.add_resource(
        StartApplicationOnCreate(
            "StartApplicationOnCreate",
            Condition="StartsOnCreate",
            ServiceToken=GetAtt(starter, "Arn"),
            ApplicationName=Ref(app),
            # Its logging is attached first, so the first run is logged.
            DependsOn=[logging_option],
        )
    )


@register
def build() -> Template:
    t = Template(
        Description="Managed Service for Apache Flink application (PyFlink SQL tumbling-window aggregation) "
        "between two encrypted Kinesis data streams, with checkpointing, scaling and CloudWatch logging"
    )
    p = _parameters(t)
    t.add_condition("IsProvisioned", Equals(Ref(p["StreamMode"]), "PROVISIONED"))
    t.set_metadata({**t.metadata, "cfn-catalog": {"Assets": ASSETS}})
    t.add_condition("UsesOwnCode", Not(Equals(Ref(p["CodeBucketName"]), "")))
    t.add_condition("HasCodeObjectVersion", And(Condition("UsesOwnCode"), Not(Equals(Ref(p["CodeObjectVersion"]), ""))))
    t.add_condition("StartsOnCreate", Equals(Ref(p["StartApplication"]), "true"))

    source = _stream(t, "InputStream", "input", p)
    sink = _stream(t, "OutputStream", "output", p)
    group = log_group(t, "ApplicationLogGroup", retention_days=Ref(p["LogRetentionDays"]))
    stream = t.add_resource(LogStream("ApplicationLogStream", LogGroupName=Ref(group)))
    role = _role(t, p, source, sink, group, stream)
    app = _application(t, p, role, source, sink)
    logging_option = t.add_resource(
        ApplicationCloudWatchLoggingOption(
            "ApplicationLoggingOption",
            ApplicationName=Ref(app),
            CloudWatchLoggingOption=CloudWatchLoggingOption(
                LogStreamARN=Sub(
                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                    f"${{{group.title}}}:log-stream:${{{stream.title}}}"
                )
            ),
        )
    )

    _start_on_create(t, app, logging_option)

    t.add_output(Output("ApplicationName", Description="Name of the Flink application", Value=Ref(app)))
    t.add_output(Output("InputStreamName", Description="Stream the producers write to", Value=Ref(source)))
    t.add_output(Output("InputStreamArn", Description="ARN of the input stream", Value=GetAtt(source, "Arn")))
    t.add_output(Output("OutputStreamName", Description="Stream of the window aggregates", Value=Ref(sink)))
    t.add_output(Output("OutputStreamArn", Description="ARN of the output stream", Value=GetAtt(sink, "Arn")))
    t.add_output(Output("LogGroupName", Description="Log group of the application", Value=Ref(group)))
    t.add_output(
        Output(
            "CodeLocation",
            Description="The zip the application runs",
            Value=If(
                "UsesOwnCode",
                Sub("s3://${CodeBucketName}/${CodeKey}"),
                Sub(f"s3://${{TemplateBucketName}}/${{TemplateKeyPrefix}}assets/{BUNDLE}"),
            ),
        )
    )
    return t
