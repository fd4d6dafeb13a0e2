"""Parts shared by `ebs-snapshot-primary` and `ebs-snapshot-dr` (not a template itself).

Both stacks run the same kind of machine: an EventBridge rule on a successful
EBS snapshot event starts a Step Functions state machine whose Lambda tasks tag
the snapshot, count the volume's managed snapshots and delete the oldest beyond
the retention count (the primary machine also copies the snapshot to the DR
region); any failure invokes a function that publishes to an encrypted SNS topic.
"""

from __future__ import annotations

from awacs.aws import Allow, Condition, ForAllValuesStringEquals, Null, Statement
from awacs.awslambda import InvokeFunction
from awacs.ec2 import CreateTags, DeleteSnapshot, DescribeSnapshots
from awacs.logs import (
    CreateLogDelivery,
    DeleteLogDelivery,
    DescribeLogGroups,
    DescribeResourcePolicies,
    GetLogDelivery,
    ListLogDeliveries,
    PutResourcePolicy,
    UpdateLogDelivery,
)
from awacs.sns import Publish
from awacs.states import StartExecution
from awacs.xray import GetSamplingRules, GetSamplingTargets, PutTelemetryRecords, PutTraceSegments
from troposphere import Equals, GetAtt, If, Not, Output, Parameter, Ref, Sub, Template
from troposphere.awslambda import Function
from troposphere.events import Rule, Target
from troposphere.stepfunctions import (
    CloudWatchLogsLogGroup,
    LogDestination,
    LoggingConfiguration,
    StateMachine,
    TracingConfiguration,
)

from cfn_catalog.blocks.iam import service_role
from cfn_catalog.blocks.lambdas import python_function
from cfn_catalog.blocks.logs import log_group
from cfn_catalog.blocks.sns import encrypted_topic

NAME_TAG = "AutomatedSnapName"
VOLUME_TAG = "OriginalVolumeId"
EVENT_DETAIL_TYPE = "EBS Snapshot Notification"
FUNCTION_NAME_CONDITION = "HasFunctionNameSuffix"
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$"
EMAIL_PATTERN = r"^$|^[^\s@]+@[^\s@]+\.[^\s@]+$"
# Lambda answers these when it could not run the function; retrying is safe.
LAMBDA_TRANSIENT_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
# Raised by the copy handler (functions/snapshot_copy.py) when EC2 refuses a copy for now: too many
# copies in progress to the region, or throttling. Copies take minutes to hours, so the retries wait
# long: 1, 2, 4, 8 minutes, then every 15 (jittered), about two hours in all.
COPY_LIMIT_ERROR = "CopyLimitExceeded"
COPY_LIMIT_RETRY = {
    "ErrorEquals": [COPY_LIMIT_ERROR],
    "IntervalSeconds": 60,
    "BackoffRate": 2,
    "MaxDelaySeconds": 900,
    "MaxAttempts": 10,
    "JitterStrategy": "FULL",
}
FUNCTION_FINDINGS = {
    "CKV_AWS_116": "Step Functions calls it and catches errors",
    "CKV_AWS_117": "calls only AWS APIs: no VPC needed",
    "CKV_AWS_173": "configuration only, no secret",
}


# Parameters -------------------------------------------------------------------------------------


def retention_parameter(t: Template, default: int) -> Parameter:
    return t.add_parameter(
        Parameter(
            "Retention",
            Type="Number",
            Default=default,
            MinValue=1,
            MaxValue=1000,
            Description="How many managed snapshots to keep per volume in this region; the oldest beyond "
            "this count are deleted",
        )
    )


def function_name_suffix_parameter(t: Template) -> Parameter:
    parameter = t.add_parameter(
        Parameter(
            "FunctionNameSuffix",
            Type="String",
            Default="",
            AllowedPattern=r"^$|^[A-Za-z0-9_-]{1,40}$",
            ConstraintDescription="up to 40 letters, digits, hyphens and underscores, or empty",
            Description="Optional suffix naming the functions <Function>-<suffix> (e.g. TagSnapshots-prod); "
            "empty lets CloudFormation name them",
        )
    )
    t.add_condition(FUNCTION_NAME_CONDITION, Not(Equals(Ref(parameter), "")))
    return parameter


def email_parameter(t: Template) -> Parameter:
    return t.add_parameter(
        Parameter(
            "NotificationEmail",
            Type="String",
            Default="",
            AllowedPattern=EMAIL_PATTERN,
            ConstraintDescription="an e-mail address, or empty",
            Description="Optional e-mail address subscribed to the failure notifications (confirm the "
            "subscription mail); empty subscribes nobody",
        )
    )


# IAM statements ---------------------------------------------------------------------------------


def snapshot_arn(region: str = "${AWS::Region}") -> Sub:
    """Every EBS snapshot in `region` (snapshot ARNs carry no account id)."""
    return Sub(f"arn:${{AWS::Partition}}:ec2:{region}::snapshot/*")


def describe_snapshots_statement() -> Statement:
    # EC2 Describe* actions support no resource-level permissions: "*" is the only valid resource.
    return Statement(Effect=Allow, Action=[DescribeSnapshots], Resource=["*"])


def tag_snapshots_statement(tag_keys: list[str]) -> Statement:
    """Tag this region's snapshots, with the given tag keys only."""
    return Statement(
        Effect=Allow,
        Action=[CreateTags],
        Resource=[snapshot_arn()],
        Condition=Condition(ForAllValuesStringEquals("aws:TagKeys", tag_keys)),
    )


def delete_snapshots_statement() -> Statement:
    """Delete only this region's snapshots the machine has tagged."""
    return Statement(
        Effect=Allow,
        Action=[DeleteSnapshot],
        Resource=[snapshot_arn()],
        Condition=Condition(Null(f"aws:ResourceTag/{NAME_TAG}", "false")),
    )


# Functions --------------------------------------------------------------------------------------


def snapshot_function(
    t: Template,
    name: str,
    *,
    module: str,
    handler: str,
    description: str,
    statements: list[Statement],
    environment: dict | None = None,
) -> Function:
    """A task function of the machine: inline handler, own role and log group.

    No concurrency is reserved: a burst of snapshots is absorbed by Step
    Functions' retries of Lambda throttling, and a reservation would fail in
    accounts with a low concurrency limit.
    """
    return python_function(
        t,
        name,
        module=module,
        handler=handler,
        description=description,
        statements=statements,
        environment=environment,
        timeout=30,
        memory=128,
        accepted={k: v for k, v in FUNCTION_FINDINGS.items() if environment or k != "CKV_AWS_173"},
        FunctionName=If(FUNCTION_NAME_CONDITION, Sub(f"{name}-${{FunctionNameSuffix}}"), Ref("AWS::NoValue")),
    )


def count_function(t: Template, retention: Parameter) -> Function:
    return snapshot_function(
        t,
        "CountSnapshots",
        module="snapshot_count",
        handler="count_snapshots",
        description="Counts a volume's managed snapshots",
        statements=[describe_snapshots_statement()],
        environment={"RETENTION": Ref(retention)},
    )


def delete_function(t: Template) -> Function:
    return snapshot_function(
        t,
        "DeleteOldSnapshots",
        module="snapshot_delete",
        handler="delete_snapshots",
        description="Deletes managed snapshots beyond the retention count",
        statements=[delete_snapshots_statement()],
    )


def notification_topic_and_function(t: Template, email: Parameter):
    # Only the NotifyUser function (an AWS principal of this account) publishes, so the
    # AWS-managed SNS key, usable through SNS by the account's principals, is enough.
    topic = encrypted_topic(t, "NotificationTopic", display_name="EBS snapshot management", email_parameter=email)
    function = snapshot_function(
        t,
        "NotifyUser",
        module="snapshot_notify",
        handler="notify",
        description="Publishes state machine failures to the SNS topic",
        statements=[Statement(Effect=Allow, Action=[Publish], Resource=[Ref(topic)])],
        environment={"TOPIC_ARN": Ref(topic)},
    )
    return topic, function


# State machine definition -----------------------------------------------------------------------


def _retry() -> list[dict]:
    return [
        {
            "ErrorEquals": list(LAMBDA_TRANSIENT_ERRORS),
            "MaxAttempts": 6,  # after 1, 2, 4 ... 32 s (the default interval and backoff rate), jittered
            "JitterStrategy": "FULL",
        }
    ]


def _task(
    function: str, result_path: str, *, catch: str | None = None, retry: list[dict] | None = None, **transition
) -> dict:
    """A Lambda task; its errors go to `catch` with Step Functions' {Error, Cause} at $.error.

    `retry` adds retriers for the function's own errors after the Lambda ones.
    """
    state = {
        "Type": "Task",
        "Resource": f"${{{function}Arn}}",
        "ResultPath": result_path,
        "Retry": _retry() + list(retry or []),
        **transition,
    }
    if catch:
        state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": catch}]
    return state


def _notify() -> dict:
    task = _task("NotifyUser", "$.notification", Next="SnapshotManagementFailed")
    task["Parameters"] = {"input.$": "$", "execution.$": "$$.Execution.Id"}
    return task


def _deletion_states(*, skip_to: str, after: str | None, on_error: str) -> dict:
    """Delete beyond retention: within it go to `skip_to`; after deleting go to `after` (None: end)."""
    transition = {"Next": after} if after else {"End": True}
    return {
        "EvaluateSnapshotDeletion": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.snapshots.count",
                    "NumericGreaterThanPath": "$.snapshots.retention",
                    "Next": "CleanupSnapshotsPastRetention",
                }
            ],
            "Default": skip_to,
        },
        "CleanupSnapshotsPastRetention": _task("DeleteOldSnapshots", "$.deletion", catch=on_error, **transition),
    }


def definition(tag_function: str, *, copy: bool) -> dict:
    """The machine's Amazon States Language definition, as data.

    Task `Resource`s are `${<Function>Arn}` placeholders filled by the state
    machine's DefinitionSubstitutions. Flow: tag -> (volume not managed: succeed)
    -> count -> [copy to DR, in parallel with] delete beyond retention. A failed
    step goes to NotifyUser, then the execution fails (a copy EC2 refuses for now,
    CopyLimitExceeded, is first retried for about two hours). A failed parallel branch
    records its error and ends, so the other branch still finishes;
    CheckBranchResults then notifies (NotifyUser reports every branch's error).
    """
    states: dict = {
        "TagSnapshot": _task(tag_function, "$.snapshot", catch="NotifyUser", Next="EvaluateContinue"),
        "EvaluateContinue": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.snapshot.managed", "BooleanEquals": False, "Next": "VolumeNotManaged"}],
            "Default": "RetrieveNumberOfSnapshots",
        },
        "VolumeNotManaged": {"Type": "Succeed"},
    }
    if copy:
        states["RetrieveNumberOfSnapshots"] = _task(
            "CountSnapshots", "$.snapshots", catch="NotifyUser", Next="ManageSnapshots"
        )
        states["ManageSnapshots"] = {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "CopyToDRRegion",
                    "States": {
                        "CopyToDRRegion": _task(
                            "CopySnapshotToDRRegion",
                            "$.copy",
                            catch="CopyFailed",
                            retry=[dict(COPY_LIMIT_RETRY)],
                            End=True,
                        ),
                        "CopyFailed": {"Type": "Pass", "End": True},
                    },
                },
                {
                    "StartAt": "EvaluateSnapshotDeletion",
                    "States": {
                        **_deletion_states(skip_to="WithinRetention", after=None, on_error="DeletionFailed"),
                        "WithinRetention": {"Type": "Succeed"},
                        "DeletionFailed": {"Type": "Pass", "End": True},
                    },
                },
            ],
            "ResultPath": "$.branches",
            "Next": "CheckBranchResults",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyUser"}],
        }
        states["CheckBranchResults"] = {
            "Type": "Choice",
            "Choices": [
                {
                    "Or": [{"Variable": f"$.branches[{i}].error", "IsPresent": True} for i in range(2)],
                    "Next": "NotifyUser",
                }
            ],
            "Default": "SnapshotsManaged",
        }
    else:
        states["RetrieveNumberOfSnapshots"] = _task(
            "CountSnapshots", "$.snapshots", catch="NotifyUser", Next="EvaluateSnapshotDeletion"
        )
        states.update(_deletion_states(skip_to="SnapshotsManaged", after="SnapshotsManaged", on_error="NotifyUser"))
    states["SnapshotsManaged"] = {"Type": "Succeed"}
    states["NotifyUser"] = _notify()
    states["SnapshotManagementFailed"] = {
        "Type": "Fail",
        "Error": "SnapshotManagementFailed",
        "Cause": "A step failed; the notification topic received the details",
    }
    return {
        "Comment": "EBS snapshot management in the " + ("primary" if copy else "DR") + " region",
        "StartAt": "TagSnapshot",
        "States": states,
    }


# State machine and trigger ----------------------------------------------------------------------


def state_machine(t: Template, functions: list[Function], body: dict) -> StateMachine:
    """The machine, a role invoking exactly `functions`, logs and X-Ray tracing."""
    group = log_group(
        t,
        "StateMachineLogGroup",
        log_group_name=Sub("/aws/vendedlogs/states/${AWS::StackName}-SnapshotMgmt"),
    )
    role = service_role(
        t,
        "StatesExecutionRole",
        service="states.amazonaws.com",
        description="Lets the state machine invoke its functions, log and trace",
        statements=[
            Statement(
                Effect=Allow, Action=[InvokeFunction], Resource=[GetAtt(function, "Arn") for function in functions]
            ),
            # Step Functions sets up log delivery through these account-level CloudWatch Logs
            # APIs, which support no resource-level permissions ("*" is required).
            Statement(
                Effect=Allow,
                Action=[
                    CreateLogDelivery,
                    GetLogDelivery,
                    UpdateLogDelivery,
                    DeleteLogDelivery,
                    ListLogDeliveries,
                    PutResourcePolicy,
                    DescribeResourcePolicies,
                    DescribeLogGroups,
                ],
                Resource=["*"],
            ),
            # X-Ray trace APIs support no resource-level permissions either.
            Statement(
                Effect=Allow,
                Action=[PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets],
                Resource=["*"],
            ),
        ],
    )
    return t.add_resource(
        StateMachine(
            "SnapshotMgmtStateMachine",
            StateMachineType="STANDARD",
            Definition=body,
            DefinitionSubstitutions={f"{function.title}Arn": GetAtt(function, "Arn") for function in functions},
            RoleArn=GetAtt(role, "Arn"),
            LoggingConfiguration=LoggingConfiguration(
                Level="ALL",
                IncludeExecutionData=True,
                Destinations=[
                    LogDestination(CloudWatchLogsLogGroup=CloudWatchLogsLogGroup(LogGroupArn=GetAtt(group, "Arn")))
                ],
            ),
            TracingConfiguration=TracingConfiguration(Enabled=True),
        )
    )


def event_rule(t: Template, machine: StateMachine, *, event: str, description: str) -> Rule:
    """Start `machine` on every successful EBS snapshot event of kind `event`."""
    role = service_role(
        t,
        "CWETriggerRole",
        service="events.amazonaws.com",
        description="Lets the EventBridge rule start the state machine",
        statements=[Statement(Effect=Allow, Action=[StartExecution], Resource=[Ref(machine)])],
    )
    return t.add_resource(
        Rule(
            "CloudWatchEventRule",
            Description=description,
            EventPattern={
                "source": ["aws.ec2"],
                "detail-type": [EVENT_DETAIL_TYPE],
                "detail": {"event": [event], "result": ["succeeded"]},
            },
            State="ENABLED",
            Targets=[Target(Id="SnapshotMgmtStateMachine", Arn=Ref(machine), RoleArn=GetAtt(role, "Arn"))],
        )
    )


def outputs(t: Template, machine: StateMachine, topic) -> None:
    t.add_output(
        Output("StateMachineArn", Description="ARN of the snapshot-management state machine", Value=Ref(machine))
    )
    t.add_output(
        Output(
            "CWETriggerRoleArn",
            Description="ARN of the role EventBridge uses to start the state machine",
            Value=GetAtt("CWETriggerRole", "Arn"),
        )
    )
    t.add_output(Output("NotificationTopicArn", Description="ARN of the failure notification topic", Value=Ref(topic)))
