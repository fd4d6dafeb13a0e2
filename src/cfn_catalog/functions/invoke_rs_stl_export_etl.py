"""Scheduled: start the Glue export job of every enabled Redshift cluster.

Reads the cluster list from the SSM StringList named by CLUSTER_LIST_PARAMETER
and starts `<cluster>_extract_rs_query_logs` for each, unless a run of it is
still active. The stack creates those jobs; a listed cluster without one is
reported as missing (add it to ExportEnabledRedshiftClusters and update the
stack). Removing a cluster from the SSM list pauses its export.
"""

import json
import logging
import os

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
DEFAULT_PARAMETER = "redshift_query_logs.global.enabled_cluster_list"
JOB_SUFFIX = "_extract_rs_query_logs"
ACTIVE_STATES = frozenset({"STARTING", "RUNNING", "STOPPING", "WAITING"})


def job_name(cluster):
    return f"{cluster}{JOB_SUFFIX}"


def enabled_clusters(ssm, parameter):
    """The clusters in the StringList, in order, without blanks or repeats."""
    value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    clusters = []
    for item in value.split(","):
        item = item.strip()
        if item and item not in clusters:
            clusters.append(item)
    return clusters


def is_active(glue, name):
    runs = glue.get_job_runs(JobName=name, MaxResults=10)["JobRuns"]
    return any(run["JobRunState"] in ACTIVE_STATES for run in runs)


def start_job(glue, cluster):
    """("started", run id) | ("running", None) | ("missing", None) | ("failed", error code)."""
    name = job_name(cluster)
    try:
        if is_active(glue, name):
            return "running", None
        return "started", glue.start_job_run(JobName=name)["JobRunId"]
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "EntityNotFoundException":
            return "missing", None
        if code == "ConcurrentRunsExceededException":
            return "running", None
        return "failed", code


def handler(event, context):
    ssm, glue = boto3.client("ssm"), boto3.client("glue")
    parameter = os.environ.get("CLUSTER_LIST_PARAMETER", DEFAULT_PARAMETER)
    summary = {"started": {}, "running": [], "missing": [], "failed": {}}
    for cluster in enabled_clusters(ssm, parameter):
        outcome, detail = start_job(glue, cluster)
        if outcome in ("started", "failed"):
            summary[outcome][cluster] = detail
        else:
            summary[outcome].append(cluster)
    if summary["missing"] or summary["failed"]:
        LOG.error("not started: %s", json.dumps({k: summary[k] for k in ("missing", "failed")}))
    LOG.info(json.dumps(summary))
    return summary
