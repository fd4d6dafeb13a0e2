"""Custom resource: start a Managed Service for Apache Flink application once, when it is created.

CloudFormation creates the application READY, not running. On Create this
starts it without restoring a snapshot (a new application has none); later
stack updates restart a running application themselves. An application that
is already starting or running counts as started. Update and Delete do
nothing: removing the resource does not stop the application, and deleting
the stack deletes the application whatever its state.
"""

import boto3

from cfn_catalog.functions.cfn_response import send  # inlined in templates

RUNNING_STATES = {"STARTING", "RUNNING", "AUTOSCALING"}


def start_once(flink, request_type, application):
    """What happened, as the custom resource's reason."""
    if request_type != "Create":
        return f"nothing to do on {request_type}"
    detail = flink.describe_application(ApplicationName=application)["ApplicationDetail"]
    status = detail["ApplicationStatus"]
    if status in RUNNING_STATES:
        return f"application {application} was already {status.lower()}"
    if status != "READY":
        raise RuntimeError(f"application {application} is {status}, not READY: start it once it is")
    flink.start_application(
        ApplicationName=application,
        RunConfiguration={
            "ApplicationRestoreConfiguration": {"ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"},
            "FlinkRunConfiguration": {"AllowNonRestoredState": False},
        },
    )
    return f"starting application {application}"


def handler(event, context):
    application = event["ResourceProperties"]["ApplicationName"]
    physical_id = event.get("PhysicalResourceId") or f"start-{application}"
    try:
        reason = start_once(boto3.client("kinesisanalyticsv2"), event["RequestType"], application)
        send(event, "SUCCESS", reason, physical_id)
    except Exception as error:
        print(f"failed: {error!r}")
        send(event, "FAILED", str(error), physical_id)
