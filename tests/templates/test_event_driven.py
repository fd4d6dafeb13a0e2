"""Intent of the EBS snapshot-management templates and the One Zone-IA bucket, on the rendered data."""

import re

import pytest
from conftest import has_properties, resources_of_type

from cfn_catalog import catalog
from cfn_catalog.blocks.lambdas import PYTHON_RUNTIME, inline_source

PRIMARY = "ebs-snapshot-primary"
DR = "ebs-snapshot-dr"
BUCKET = "s3-onezone-ia-bucket"
PRIMARY_FUNCTIONS = {
    "TagSnapshots": ("snapshot_tag", "tag_snapshot"),
    "CountSnapshots": ("snapshot_count", "count_snapshots"),
    "CopySnapshotToDRRegion": ("snapshot_copy", "copy_snapshot"),
    "DeleteOldSnapshots": ("snapshot_delete", "delete_snapshots"),
    "NotifyUser": ("snapshot_notify", "notify"),
}
DR_FUNCTIONS = {
    "TagSnapshotCopy": ("snapshot_tag_copy", "tag_snapshot_copy"),
    "CountSnapshots": ("snapshot_count", "count_snapshots"),
    "DeleteOldSnapshots": ("snapshot_delete", "delete_snapshots"),
    "NotifyUser": ("snapshot_notify", "notify"),
}
FUNCTIONS = {PRIMARY: PRIMARY_FUNCTIONS, DR: DR_FUNCTIONS}
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}


def statements(role):
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def actions(role):
    result = set()
    for statement in statements(role):
        result.update(statement["Action"])
    return result


def machine(name):
    return catalog.resources(name)["SnapshotMgmtStateMachine"]["Properties"]


def walk(states):
    """Every (name, state) of a definition, parallel branches included."""
    for name, state in states.items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from walk(branch["States"])


def targets(state):
    found = [state.get("Next"), state.get("Default")]
    found += [choice.get("Next") for choice in state.get("Choices", [])]
    found += [catch["Next"] for catch in state.get("Catch", [])]
    return {target for target in found if target}


# EBS snapshot management ------------------------------------------------------------------------


def test_primary_parameters_keep_the_original_names_and_defaults():
    params = catalog.template_dict(PRIMARY)["Parameters"]
    assert params["tagKeyValue"]["Default"] == "none"
    assert params["DRRegion"]["Default"] == "us-east-2"
    assert (params["Retention"]["Type"], params["Retention"]["Default"], params["Retention"]["MinValue"]) == (
        "Number",
        7,
        1,
    )
    assert params["FunctionNameSuffix"]["Default"] == ""
    assert params["NotificationEmail"]["Default"] == ""
    assert params["DRKmsKeyId"]["Default"] == ""
    region = re.compile(params["DRRegion"]["AllowedPattern"])
    assert all(region.match(r) for r in ("us-east-2", "eu-west-1", "us-gov-west-1", "ap-southeast-3"))
    assert not any(region.match(r) for r in ("", "us-east-2a", "useast2", "US-EAST-2"))
    tag_key = re.compile(params["tagKeyValue"]["AllowedPattern"])
    assert tag_key.match("none") and tag_key.match("Backup") and tag_key.match("team:backup/daily")
    assert not tag_key.match("aws:backup") and not tag_key.match("")


def test_dr_parameters_keep_the_original_names_and_defaults():
    params = catalog.template_dict(DR)["Parameters"]
    assert set(params) == {"Retention", "FunctionNameSuffix", "NotificationEmail"}
    assert params["Retention"]["Default"] == 1 and params["Retention"]["MinValue"] == 1


def test_primary_refuses_its_own_region_as_dr_region():
    rule = catalog.template_dict(PRIMARY)["Rules"]["DRRegionIsAnotherRegion"]
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "DRRegion"}, {"Ref": "AWS::Region"}]}]
    }


@pytest.mark.parametrize("name", [PRIMARY, DR])
def test_each_function_runs_its_own_handler_module_with_its_own_role(name):
    functions = resources_of_type(name, "AWS::Lambda::Function")
    assert set(functions) == set(FUNCTIONS[name])
    for logical_id, (module, handler) in FUNCTIONS[name].items():
        props = functions[logical_id]["Properties"]
        assert props["Code"]["ZipFile"] == inline_source(module)
        assert props["Handler"] == f"index.{handler}"
        assert props["Runtime"] == PYTHON_RUNTIME
        assert props["Role"] == {"Fn::GetAtt": [f"{logical_id}Role", "Arn"]}
        assert props["FunctionName"] == {
            "Fn::If": [
                "HasFunctionNameSuffix",
                {"Fn::Sub": f"{logical_id}-${{FunctionNameSuffix}}"},
                {"Ref": "AWS::NoValue"},
            ]
        }
    roles = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()}
    assert len(roles) == len(functions)


def test_function_configuration_comes_from_the_parameters():
    functions = resources_of_type(PRIMARY, "AWS::Lambda::Function")

    def env(name):
        return functions[name]["Properties"]["Environment"]["Variables"]

    assert env("TagSnapshots") == {"TAG_KEY": {"Ref": "tagKeyValue"}}
    assert env("CountSnapshots") == {"RETENTION": {"Ref": "Retention"}}
    assert env("CopySnapshotToDRRegion") == {"DR_REGION": {"Ref": "DRRegion"}, "DR_KMS_KEY_ID": {"Ref": "DRKmsKeyId"}}
    assert env("NotifyUser") == {"TOPIC_ARN": {"Ref": "NotificationTopic"}}
    assert "Environment" not in functions["DeleteOldSnapshots"]["Properties"]


@pytest.mark.parametrize("name", [PRIMARY, DR])
def test_function_roles_hold_only_what_each_function_calls(name):
    resources = catalog.resources(name)
    expected = {
        "TagSnapshots": {"ec2:DescribeVolumes", "ec2:CreateTags"},
        "TagSnapshotCopy": {"ec2:DescribeSnapshots", "ec2:CreateTags"},
        "CountSnapshots": {"ec2:DescribeSnapshots"},
        "CopySnapshotToDRRegion": {
            "ec2:CopySnapshot",
            "ec2:CreateTags",
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:ReEncryptFrom",
            "kms:CreateGrant",
        },
        "DeleteOldSnapshots": {"ec2:DeleteSnapshot"},
        "NotifyUser": {"sns:Publish"},
    }
    for function in FUNCTIONS[name]:
        role = resources[f"{function}Role"]
        assert actions(role) == LOG_ACTIONS | expected[function], function
        for statement in statements(role):
            if statement["Resource"] == ["*"]:  # only EC2 Describe*, which allow no resource scoping
                assert all(re.fullmatch(r"ec2:Describe\w+", a) for a in statement["Action"]), function


@pytest.mark.parametrize("name", [PRIMARY, DR])
def test_snapshot_writes_are_scoped_to_snapshots_and_the_machines_tags(name):
    resources = catalog.resources(name)
    snapshots_here = {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*"}
    [delete] = [s for s in statements(resources["DeleteOldSnapshotsRole"]) if s["Action"] == ["ec2:DeleteSnapshot"]]
    assert delete["Resource"] == [snapshots_here]
    assert delete["Condition"] == {"Null": {"aws:ResourceTag/AutomatedSnapName": "false"}}
    tag_function = "TagSnapshots" if name == PRIMARY else "TagSnapshotCopy"
    [tag] = [s for s in statements(resources[f"{tag_function}Role"]) if s["Action"] == ["ec2:CreateTags"]]
    assert tag["Resource"] == [snapshots_here]
    keys = tag["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"]
    assert keys == (["AutomatedSnapName", "OriginalVolumeId"] if name == PRIMARY else ["AutomatedSnapName"])
    [publish] = [s for s in statements(resources["NotifyUserRole"]) if s["Action"] == ["sns:Publish"]]
    assert publish["Resource"] == [{"Ref": "NotificationTopic"}]


def test_copy_may_create_snapshots_only_in_this_and_the_dr_region_and_tag_only_its_copies():
    resources = catalog.resources(PRIMARY)
    role = resources["CopySnapshotToDRRegionRole"]
    [copy] = [s for s in statements(role) if s["Action"] == ["ec2:CopySnapshot"]]
    assert copy["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*"},
        {"Fn::Sub": "arn:${AWS::Partition}:ec2:${DRRegion}::snapshot/*"},
    ]
    [tag] = [s for s in statements(role) if s["Action"] == ["ec2:CreateTags"]]
    assert tag["Resource"] == [{"Fn::Sub": "arn:${AWS::Partition}:ec2:${DRRegion}::snapshot/*"}]
    assert tag["Condition"] == {"StringEquals": {"ec2:CreateAction": "CopySnapshot"}}
    kms = resources["CopySnapshotToDRRegionKmsPolicy"]
    assert kms["Condition"] == "HasDRKmsKey"
    assert kms["Properties"]["Roles"] == [{"Ref": "CopySnapshotToDRRegionRole"}]
    [key_use] = kms["Properties"]["PolicyDocument"]["Statement"]
    assert key_use["Resource"] == [{"Ref": "DRKmsKeyId"}]
    assert key_use["Condition"] == {"StringEquals": {"kms:ViaService": {"Fn::Sub": "ec2.${DRRegion}.amazonaws.com"}}}
    assert "kms:CreateGrant" in key_use["Action"]


def test_copy_may_use_source_snapshot_keys_of_this_account_and_region_only_through_ec2():
    role = catalog.resources(PRIMARY)["CopySnapshotToDRRegionRole"]
    [source] = [s for s in statements(role) if s.get("Sid") == "SourceKeysThroughEc2"]
    assert set(source["Action"]) == {"kms:Decrypt", "kms:DescribeKey", "kms:ReEncryptFrom", "kms:CreateGrant"}
    assert source["Resource"] == [{"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"}]
    assert source["Condition"] == {
        "StringLike": {"kms:ViaService": "ec2.*.amazonaws.com"},
        "BoolIfExists": {"kms:GrantIsForAWSResource": "true"},
    }
    # no other KMS right in the role; the DR key stays in its own conditional policy
    kms = [s for s in statements(role) if any(a.startswith("kms:") for a in s["Action"])]
    assert kms == [source]


def test_copy_limit_errors_are_retried_with_backoff_before_the_copy_fails():
    states = machine(PRIMARY)["Definition"]["States"]
    copy = states["ManageSnapshots"]["Branches"][0]["States"]["CopyToDRRegion"]
    lambda_retry, limit_retry = copy["Retry"]
    assert "Lambda.TooManyRequestsException" in lambda_retry["ErrorEquals"]
    assert limit_retry["ErrorEquals"] == ["CopyLimitExceeded"]
    assert limit_retry["BackoffRate"] > 1 and limit_retry["IntervalSeconds"] >= 30
    assert limit_retry["MaxAttempts"] >= 5 and limit_retry["JitterStrategy"] == "FULL"
    waits = [
        min(limit_retry["IntervalSeconds"] * limit_retry["BackoffRate"] ** i, limit_retry["MaxDelaySeconds"])
        for i in range(limit_retry["MaxAttempts"])
    ]
    assert sum(waits) >= 3600  # EC2 copies take a while: keep trying for at least an hour
    assert copy["Catch"][0]["Next"] == "CopyFailed"
    others = [state for name, state in walk(states) if state["Type"] == "Task" and name != "CopyToDRRegion"]
    assert all(len(state["Retry"]) == 1 for state in others)


@pytest.mark.parametrize("name", [PRIMARY, DR])
def test_notifications_go_to_an_encrypted_topic_with_an_optional_email_subscription(name):
    topic = catalog.resources(name)["NotificationTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == "alias/aws/sns"
    assert topic["Subscription"]["Fn::If"][0] == "NotificationTopicHasEmail"
    assert topic["Subscription"]["Fn::If"][1] == [{"Protocol": "email", "Endpoint": {"Ref": "NotificationEmail"}}]
    conditions = catalog.template_dict(name)["Conditions"]
    assert conditions["NotificationTopicHasEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "NotificationEmail"}, ""]}]}


@pytest.mark.parametrize("name", [PRIMARY, DR])
def test_the_definition_is_data_whose_tasks_are_exactly_the_functions(name):
    props = machine(name)
    assert isinstance(props["Definition"], dict) and "DefinitionString" not in props
    substitutions = props["DefinitionSubstitutions"]
    assert substitutions == {f"{f}Arn": {"Fn::GetAtt": [f, "Arn"]} for f in FUNCTIONS[name]}
    tasks = {state["Resource"] for _, state in walk(props["Definition"]["States"]) if state["Type"] == "Task"}
    assert tasks == {f"${{{key}}}" for key in substitutions}


@pytest.mark.parametrize("name", [PRIMARY, DR])
def test_every_transition_has_a_target_and_every_state_is_reachable(name):
    def check(scope):
        reachable, todo = set(), [scope["StartAt"]]
        while todo:
            state = todo.pop()
            if state in reachable:
                continue
            assert state in scope["States"], state
            reachable.add(state)
            todo += targets(scope["States"][state])
        assert reachable == set(scope["States"])
        for state in scope["States"].values():
            for branch in state.get("Branches", []):
                check(branch)

    check(machine(name)["Definition"])


@pytest.mark.parametrize("name", [PRIMARY, DR])
def test_failures_of_every_step_reach_the_notify_function_and_fail_the_execution(name):
    states = machine(name)["Definition"]["States"]
    for state_name, state in walk(states):
        if state["Type"] == "Task" and state["Resource"] != "${NotifyUserArn}":
            [catch] = state["Catch"]
            assert catch["ErrorEquals"] == ["States.ALL"] and catch["ResultPath"] == "$.error", state_name
            if state_name not in states:  # in a parallel branch: record the error, let the other branch finish
                assert catch["Next"] in ("CopyFailed", "DeletionFailed")
            else:
                assert catch["Next"] == "NotifyUser"
        if state["Type"] == "Task":
            assert "Lambda.TooManyRequestsException" in state["Retry"][0]["ErrorEquals"]
    notify = states["NotifyUser"]
    assert notify["Parameters"] == {"input.$": "$", "execution.$": "$$.Execution.Id"}
    assert states[notify["Next"]]["Type"] == "Fail"


def test_primary_flow_tags_then_counts_then_copies_and_deletes_in_parallel():
    states = machine(PRIMARY)["Definition"]["States"]
    assert machine(PRIMARY)["Definition"]["StartAt"] == "TagSnapshot"
    assert states["TagSnapshot"]["Resource"] == "${TagSnapshotsArn}"
    assert states["TagSnapshot"]["ResultPath"] == "$.snapshot"  # the handlers read state.snapshot
    assert states["EvaluateContinue"]["Choices"] == [
        {"Variable": "$.snapshot.managed", "BooleanEquals": False, "Next": "VolumeNotManaged"}
    ]
    assert states["VolumeNotManaged"]["Type"] == "Succeed"
    assert states["RetrieveNumberOfSnapshots"]["ResultPath"] == "$.snapshots"  # delete reads snapshots.expired
    parallel = states[states["RetrieveNumberOfSnapshots"]["Next"]]
    assert parallel["Type"] == "Parallel"
    copy_branch, delete_branch = parallel["Branches"]
    assert copy_branch["States"][copy_branch["StartAt"]]["Resource"] == "${CopySnapshotToDRRegionArn}"
    choice = delete_branch["States"][delete_branch["StartAt"]]
    assert choice["Choices"] == [
        {
            "Variable": "$.snapshots.count",
            "NumericGreaterThanPath": "$.snapshots.retention",
            "Next": "CleanupSnapshotsPastRetention",
        }
    ]
    assert delete_branch["States"]["CleanupSnapshotsPastRetention"]["Resource"] == "${DeleteOldSnapshotsArn}"
    check = states[parallel["Next"]]
    assert check["Choices"][0]["Next"] == "NotifyUser"
    assert [c["Variable"] for c in check["Choices"][0]["Or"]] == ["$.branches[0].error", "$.branches[1].error"]
    assert parallel["ResultPath"] == "$.branches"


def test_dr_flow_has_no_copy_step():
    states = dict(walk(machine(DR)["Definition"]["States"]))
    assert not any(s["Type"] == "Parallel" for s in states.values())
    assert states["TagSnapshot"]["Resource"] == "${TagSnapshotCopyArn}"
    assert states["RetrieveNumberOfSnapshots"]["Next"] == "EvaluateSnapshotDeletion"
    assert "CopyToDRRegion" not in states


@pytest.mark.parametrize("name", [PRIMARY, DR])
def test_state_machine_logs_traces_and_invokes_exactly_its_functions(name):
    props = machine(name)
    assert props["TracingConfiguration"] == {"Enabled": True}
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["Destinations"] == [
        {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["StateMachineLogGroup", "Arn"]}}}
    ]
    role = catalog.resources(name)[props["RoleArn"]["Fn::GetAtt"][0]]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["states.amazonaws.com"]
    }
    [invoke] = [s for s in statements(role) if "lambda:InvokeFunction" in s["Action"]]
    assert invoke["Action"] == ["lambda:InvokeFunction"]
    assert invoke["Resource"] == [{"Fn::GetAtt": [f, "Arn"]} for f in FUNCTIONS[name]]


@pytest.mark.parametrize(("name", "event"), [(PRIMARY, "createSnapshot"), (DR, "copySnapshot")])
def test_successful_snapshot_events_start_the_machine_through_a_start_only_role(name, event):
    resources = catalog.resources(name)
    rule = resources["CloudWatchEventRule"]["Properties"]
    assert rule["EventPattern"] == {
        "source": ["aws.ec2"],
        "detail-type": ["EBS Snapshot Notification"],
        "detail": {"event": [event], "result": ["succeeded"]},
    }
    [target] = rule["Targets"]
    assert has_properties(
        target,
        {"Arn": {"Ref": "SnapshotMgmtStateMachine"}, "RoleArn": {"Fn::GetAtt": ["CWETriggerRole", "Arn"]}},
    )
    role = resources["CWETriggerRole"]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["events.amazonaws.com"]
    }
    assert statements(role) == [
        {"Effect": "Allow", "Action": ["states:StartExecution"], "Resource": [{"Ref": "SnapshotMgmtStateMachine"}]}
    ]
    outputs = catalog.template_dict(name)["Outputs"]
    assert outputs["StateMachineArn"]["Value"] == {"Ref": "SnapshotMgmtStateMachine"}
    assert outputs["CWETriggerRoleArn"]["Value"] == {"Fn::GetAtt": ["CWETriggerRole", "Arn"]}


@pytest.mark.parametrize("name", [PRIMARY, DR])
def test_no_role_is_named_so_capability_iam_suffices(name):
    assert catalog.capabilities(name) == ["CAPABILITY_IAM"]


# One Zone-IA bucket -----------------------------------------------------------------------------


def bucket_rules():
    return catalog.resources(BUCKET)["Bucket"]["Properties"]["LifecycleConfiguration"]["Rules"]


def test_bucket_is_versioned_encrypted_private_and_tls_only():
    resources = catalog.resources(BUCKET)
    assert has_properties(
        resources["Bucket"]["Properties"],
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        },
    )
    assert resources["Bucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    [deny] = resources["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(catalog.template_dict(BUCKET)["Outputs"]) == {"BucketName", "BucketArn"}


def test_noncurrent_versions_over_128_kib_move_to_one_zone_ia_and_expire_in_the_same_rule():
    [rule] = [r for r in bucket_rules() if r.get("Id") == "NoncurrentVersionsToOneZoneIA"]
    assert rule == {
        "Id": "NoncurrentVersionsToOneZoneIA",
        "Status": "Enabled",
        "ObjectSizeGreaterThan": "131072",
        "NoncurrentVersionTransitions": [
            {"StorageClass": "ONEZONE_IA", "TransitionInDays": {"Ref": "NoncurrentTransitionDays"}}
        ],
        # In one rule S3 itself rejects an expiration not later than the transition.
        "NoncurrentVersionExpiration": {"NoncurrentDays": {"Ref": "NoncurrentExpirationDays"}},
    }
    params = catalog.template_dict(BUCKET)["Parameters"]
    assert params["NoncurrentTransitionDays"]["MinValue"] == 30
    assert params["NoncurrentExpirationDays"]["MinValue"] > params["NoncurrentTransitionDays"]["MinValue"]


def test_small_objects_never_move_but_their_old_versions_still_expire():
    [small] = [r for r in bucket_rules() if r.get("Id") == "ExpireSmallNoncurrentVersions"]
    # Together with ObjectSizeGreaterThan 131072 this covers every size exactly once.
    assert small["ObjectSizeLessThan"] == "131073"
    assert small["NoncurrentVersionExpiration"] == {"NoncurrentDays": {"Ref": "NoncurrentExpirationDays"}}
    assert "Transitions" not in small and "NoncurrentVersionTransitions" not in small


def test_current_objects_move_only_when_asked_and_after_at_least_30_days():
    [conditional] = [r for r in bucket_rules() if "Fn::If" in r]
    condition, rule, otherwise = conditional["Fn::If"]
    assert condition == "TransitionsCurrentObjects" and otherwise == {"Ref": "AWS::NoValue"}
    assert rule["ObjectSizeGreaterThan"] == "131072"
    assert rule["Transitions"] == [{"StorageClass": "ONEZONE_IA", "TransitionInDays": {"Ref": "CurrentTransitionDays"}}]
    template = catalog.template_dict(BUCKET)
    assert template["Conditions"]["TransitionsCurrentObjects"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CurrentTransitionDays"}, "0"]}]
    }
    parameter = template["Parameters"]["CurrentTransitionDays"]
    assert parameter["Default"] == "0"
    allowed = re.compile(parameter["AllowedPattern"])
    assert all(allowed.match(days) for days in ("0", "30", "31", "90", "365", "9999"))
    assert not any(allowed.match(days) for days in ("", "1", "29", "030", "00", "-30", "10000", "3o"))


def test_delete_markers_and_incomplete_uploads_are_cleaned_up():
    [rule] = [r for r in bucket_rules() if r.get("Id") == "CleanUpDeleteMarkersAndUploads"]
    assert rule["ExpiredObjectDeleteMarker"] is True
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_bucket_name_and_access_logging_are_optional():
    template = catalog.template_dict(BUCKET)
    assert template["Parameters"]["BucketName"]["Default"] == ""
    assert template["Parameters"]["AccessLogBucketName"]["Default"] == ""
    logging = template["Resources"]["Bucket"]["Properties"]["LoggingConfiguration"]["Fn::If"]
    assert logging[0] == "HasAccessLogBucket"
    assert logging[1]["DestinationBucketName"] == {"Ref": "AccessLogBucketName"}
