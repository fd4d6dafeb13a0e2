"""Custom resource: a Glue connection and export job per Redshift cluster.

Create/Update put `<cluster>_redshift_query_logs` (JDBC URL from DescribeClusters,
credentials by SECRET_ID) and `<cluster>_extract_rs_query_logs` for each of
Clusters and delete those of clusters no longer listed; Delete removes all.
Job holds the jobs' shared settings (strings); this adds the per-cluster ones.
"""

import json

import boto3
from botocore.exceptions import ClientError

from cfn_catalog.functions.cfn_response import send  # inlined in templates

JOB, CONNECTION = "_extract_rs_query_logs", "_redshift_query_logs"


def jdbc_url(redshift, cluster):
    found = redshift.describe_clusters(ClusterIdentifier=cluster)["Clusters"][0]
    return f"jdbc:redshift://{found['Endpoint']['Address']}:{found['Endpoint']['Port']}/{found['DBName']}"


def connection_input(cluster, url, p):
    return {
        "Name": cluster + CONNECTION,
        "ConnectionType": "JDBC",
        "ConnectionProperties": {
            "JDBC_CONNECTION_URL": url,
            "SECRET_ID": p["SecretPrefix"] + cluster,
            "JDBC_ENFORCE_SSL": "true",
        },
        "PhysicalConnectionRequirements": p["PhysicalConnectionRequirements"],
    }


def job_settings(cluster, p):
    job = json.loads(json.dumps(p["Job"]))
    job["DefaultArguments"].update(
        {"--cluster_id": cluster, "--connection_name": cluster + CONNECTION, "--secret_id": p["SecretPrefix"] + cluster}
    )
    job["Connections"] = {"Connections": [cluster + CONNECTION]}
    return {**job, "ExecutionProperty": {"MaxConcurrentRuns": 1}, "MaxRetries": 0, "Timeout": 60, "NumberOfWorkers": 2}


def _missing(error):
    return error.response["Error"]["Code"] == "EntityNotFoundException"


def put(glue, redshift, cluster, p):
    conn = connection_input(cluster, jdbc_url(redshift, cluster), p)
    try:
        glue.get_connection(Name=conn["Name"], HidePassword=True)
        glue.update_connection(Name=conn["Name"], ConnectionInput=conn)
    except ClientError as error:
        if not _missing(error):
            raise
        glue.create_connection(ConnectionInput=conn)
    try:
        glue.get_job(JobName=cluster + JOB)
        glue.update_job(JobName=cluster + JOB, JobUpdate=job_settings(cluster, p))
    except ClientError as error:
        if not _missing(error):
            raise
        glue.create_job(Name=cluster + JOB, **job_settings(cluster, p))


def remove(glue, cluster):
    glue.delete_job(JobName=cluster + JOB)
    try:
        glue.delete_connection(ConnectionName=cluster + CONNECTION)
    except ClientError as error:
        if not _missing(error):
            raise


def reconcile(glue, redshift, event):
    new, old = event["ResourceProperties"], event.get("OldResourceProperties") or {}
    deleting = event["RequestType"] == "Delete"
    keep = [] if deleting else list(dict.fromkeys(new["Clusters"]))
    for cluster in keep:
        put(glue, redshift, cluster, new)
    for cluster in dict.fromkeys(new["Clusters"] if deleting else old.get("Clusters", [])):
        if cluster not in keep:
            remove(glue, cluster)
    return keep


def handler(event, context):
    physical_id = event.get("PhysicalResourceId") or event["LogicalResourceId"]
    try:
        done = reconcile(boto3.client("glue"), boto3.client("redshift"), event)
        send(event, "SUCCESS", "jobs for: " + (", ".join(done) or "no clusters"), physical_id)
    except Exception as error:
        print(f"failed: {error!r}")
        send(event, "FAILED", str(error), physical_id)
