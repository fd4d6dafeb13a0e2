"""Intent of the catalog's own delivery: catalog-bucket and ci-publisher-role.

Policies are checked the way IAM reads them: the templates' intrinsic
functions are resolved for concrete parameter values (a small evaluator
below), then `StringLike` subjects are matched with IAM's wildcards.
"""

import itertools
import re
import sys
from pathlib import Path

import boto3
import pytest
import yaml
from conftest import ROOT, TEMPLATES_OUT

from cfn_catalog import catalog, links
from cfn_catalog.aws import deploy as dep
from cfn_catalog.aws import publish

pytest_plugins = ["aws_fixtures"]  # aws_env, mocked

BUCKET = "catalog-bucket"
ROLE = "ci-publisher-role"
ACCOUNT = "111122223333"
REPOSITORY = "example-corp/cfn-catalog"
AWS_DIR = Path(publish.__file__).parent


# ---------------------------------------------------------------- a small evaluator of intrinsic functions


def resolve(value, params: dict, conditions: dict):
    """`value` with Ref, Fn::Sub, Fn::If, Fn::Join and pseudo parameters resolved (GetAtt/resource Refs by name)."""
    pseudo = {
        "AWS::Partition": "aws",
        "AWS::AccountId": ACCOUNT,
        "AWS::Region": "us-east-1",
        "AWS::URLSuffix": "amazonaws.com",
    }
    if isinstance(value, list):
        items = [resolve(v, params, conditions) for v in value]
        return [i for i in items if i is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        name = value["Ref"]
        if name == "AWS::NoValue":
            return NO_VALUE
        return pseudo.get(name, params.get(name, name))
    if set(value) == {"Fn::Sub"}:
        return re.sub(
            r"\$\{([^}]+)\}", lambda m: str(resolve({"Ref": m.group(1)}, params, conditions)), value["Fn::Sub"]
        )
    if set(value) == {"Fn::If"}:
        name, yes, no = value["Fn::If"]
        return resolve(yes if conditions[name] else no, params, conditions)
    if set(value) == {"Fn::Join"}:
        sep, items = value["Fn::Join"]
        return sep.join(resolve(items, params, conditions))
    if set(value) == {"Fn::GetAtt"}:
        return f"arn:aws:s3:::{value['Fn::GetAtt'][0]}"
    resolved = {k: resolve(v, params, conditions) for k, v in value.items()}
    return {k: v for k, v in resolved.items() if v is not NO_VALUE}


NO_VALUE = object()


def condition_values(name: str, params: dict) -> dict[str, bool]:
    """Every condition of the template evaluated for `params` (defaults filled in)."""
    doc = catalog.template_dict(name)
    values = {k: spec.get("Default") for k, spec in doc["Parameters"].items()}
    values.update(params)
    values = {k: ",".join(v) if isinstance(v, list) else v for k, v in values.items()}
    results: dict[str, bool] = {}

    def ev(expr):
        if isinstance(expr, dict):
            ((fn, arg),) = expr.items()
            if fn == "Condition":
                return ev(doc["Conditions"][arg])
            if fn == "Fn::Equals":
                return str(ev(arg[0])) == str(ev(arg[1]))
            if fn == "Fn::Not":
                return not ev(arg[0])
            if fn == "Fn::And":
                return all(ev(a) for a in arg)
            if fn == "Fn::Or":
                return any(ev(a) for a in arg)
            if fn == "Ref":
                return values[arg]
            if fn == "Fn::Join":
                return arg[0].join(str(ev(a)) for a in (arg[1] if isinstance(arg[1], list) else [arg[1]]))
        return expr

    for key, expr in doc.get("Conditions", {}).items():
        results[key] = ev(expr)
    return results


def resolved_resources(name: str, params: dict) -> dict:
    conditions = condition_values(name, params)
    doc = catalog.template_dict(name)
    defaults = {k: spec.get("Default") for k, spec in doc["Parameters"].items()}
    values = {**defaults, **params}
    return {
        logical_id: resolve(resource, values, conditions)
        for logical_id, resource in doc["Resources"].items()
        if conditions.get(resource.get("Condition"), True)
    }


def string_like(pattern: str, value: str) -> bool:
    """IAM's StringLike: '*' any run of characters (':' and '/' included), '?' one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value) is not None


# ---------------------------------------------------------------- ci-publisher-role: who may assume it

ROLE_VARIANTS = [
    {},
    {"GitHubRefPattern": "refs/tags/v*"},
    {"GitHubRefPattern": "refs/heads/main"},
    {"GitHubEnvironment": "release"},
    {"CodeBuildProjectName": "cfn-catalog-release"},
    {"ExistingOidcProviderArn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
]


def trust(params: dict) -> list[dict]:
    values = {"GitHubRepository": REPOSITORY, "CatalogBucketName": "example-catalog", **params}
    role = resolved_resources(ROLE, values)["PublisherRole"]
    return role["Properties"]["AssumeRolePolicyDocument"]["Statement"]


def github_statement(params: dict) -> dict:
    (statement,) = [s for s in trust(params) if "Federated" in s["Principal"]]
    return statement


@pytest.mark.parametrize("params", ROLE_VARIANTS, ids=lambda p: ",".join(p) or "defaults")
def test_only_github_tokens_for_sts_with_a_pinned_repository_subject(params):
    statement = github_statement(params)
    assert statement["Action"] == ["sts:AssumeRoleWithWebIdentity"]
    assert statement["Condition"]["StringEquals"] == {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    ((key, subject),) = statement["Condition"]["StringLike"].items()
    assert key == "token.actions.githubusercontent.com:sub"
    assert subject.startswith(f"repo:{REPOSITORY}:")
    repository_part = subject.split(":")[1]
    assert "*" not in repository_part and "?" not in repository_part
    provider = statement["Principal"]["Federated"]
    assert provider == params.get("ExistingOidcProviderArn", "GitHubOidcProvider")


def test_the_subject_is_a_wildcard_free_repository_in_every_branch_of_the_template():
    """On the unresolved template: every subject the Fn::If can choose starts with the literal repository."""
    document = catalog.resources(ROLE)["PublisherRole"]["Properties"]["AssumeRolePolicyDocument"]["Fn::If"]
    subjects = []

    def collect(node):
        if isinstance(node, dict) and "Fn::If" in node:
            for branch in node["Fn::If"][1:]:
                collect(branch)
        elif isinstance(node, dict):
            subjects.append(node["Fn::Sub"])

    for policy in document[1:]:
        for statement in policy["Statement"]:
            if "Federated" in statement["Principal"]:
                assert statement["Condition"]["StringEquals"] == {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                }
                collect(statement["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"])
    assert subjects and all(s.startswith("repo:${GitHubRepository}:") for s in subjects)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("example-corp/cfn-catalog", True),
        ("Octo_Org/repo.name-2", True),
        ("example-corp/*", False),
        ("*/cfn-catalog", False),
        ("example-corp/cfn-?atalog", False),
        ("example-corp", False),
        ("example-corp/cfn-catalog:ref:refs/heads/main", False),
        ("example-corp/cfn-catalog/extra", False),
        ("", False),
    ],
)
def test_repository_parameter_admits_exactly_one_repository(value, ok):
    pattern = catalog.template_dict(ROLE)["Parameters"]["GitHubRepository"]["AllowedPattern"]
    assert pattern == r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
    assert bool(re.fullmatch(pattern, value)) is ok


@pytest.mark.parametrize(
    ("params", "token_subject", "accepted"),
    [
        ({}, f"repo:{REPOSITORY}:ref:refs/heads/main", True),
        ({}, f"repo:{REPOSITORY}:pull_request", True),
        ({}, "repo:example-corp/other:ref:refs/heads/main", False),
        ({}, f"repo:{REPOSITORY}-fork:ref:refs/heads/main", False),
        ({}, "repo:attacker/cfn-catalog:ref:refs/heads/main", False),
        ({}, f"repo:example-corp/cfn-catalog2:environment:{REPOSITORY}:x", False),
        ({"GitHubRefPattern": "refs/tags/v*"}, f"repo:{REPOSITORY}:ref:refs/tags/v1.2.0", True),
        ({"GitHubRefPattern": "refs/tags/v*"}, f"repo:{REPOSITORY}:ref:refs/heads/v1", False),
        ({"GitHubRefPattern": "refs/tags/v*"}, f"repo:{REPOSITORY}:pull_request", False),
        ({"GitHubRefPattern": "refs/tags/v*"}, "repo:example-corp/other:ref:refs/tags/v1.2.0", False),
        ({"GitHubEnvironment": "release"}, f"repo:{REPOSITORY}:environment:release", True),
        ({"GitHubEnvironment": "release"}, f"repo:{REPOSITORY}:environment:release-2", False),
        ({"GitHubEnvironment": "release"}, "repo:example-corp/other:environment:release", False),
    ],
)
def test_tokens_of_another_repository_ref_or_environment_are_refused(params, token_subject, accepted):
    statement = github_statement(params)
    (subject,) = statement["Condition"]["StringLike"].values()
    assert string_like(subject, token_subject) is accepted


def test_codebuild_is_trusted_only_when_a_project_is_named_and_only_for_it():
    assert [s["Sid"] for s in trust({})] == ["GitHubActionsOfOneRepository"]
    statements = {s["Sid"]: s for s in trust({"CodeBuildProjectName": "cfn-catalog-release"})}
    codebuild = statements["CodeBuildProject"]
    assert codebuild["Principal"] == {"Service": ["codebuild.amazonaws.com"]}
    assert codebuild["Action"] == ["sts:AssumeRole"]
    assert codebuild["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnEquals": {"aws:SourceArn": f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/cfn-catalog-release"},
    }
    # as the project's service role it writes the project's build logs, and no other log group
    assert "CodeBuildLogsPolicy" not in resolved_resources(
        ROLE, {"GitHubRepository": REPOSITORY, "CatalogBucketName": "b"}
    )
    (logs,) = policy_statements("CodeBuildLogsPolicy", {"CodeBuildProjectName": "cfn-catalog-release"})
    group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/codebuild/cfn-catalog-release"
    assert logs["Resource"] == [group, f"{group}:*"]
    assert logs["Action"] == ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


def test_environment_and_ref_pattern_exclude_each_other():
    (assertion,) = catalog.template_dict(ROLE)["Rules"]["OneSubjectRestriction"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "GitHubRefPattern"}, ""]}


def test_the_oidc_provider_is_created_once_per_account_or_taken_from_a_parameter():
    provider = catalog.resources(ROLE)["GitHubOidcProvider"]
    assert provider["Condition"] == "CreateOidcProvider"
    assert provider["Properties"]["Url"] == "https://token.actions.githubusercontent.com"
    assert provider["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]
    assert "GitHubOidcProvider" not in resolved_resources(
        ROLE,
        {
            "GitHubRepository": REPOSITORY,
            "CatalogBucketName": "b-b-b",
            "ExistingOidcProviderArn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
        },
    )


# ---------------------------------------------------------------- ci-publisher-role: what it may do

# boto3 S3 call -> the IAM action that authorizes it.
S3_CALL_ACTIONS = {
    "get_bucket_location": "s3:GetBucketLocation",
    "head_bucket": "s3:ListBucket",
    "head_object": "s3:GetObject",
    "get_object": "s3:GetObject",
    "put_object": "s3:PutObject",
}


def policy_statements(logical_id: str, params: dict | None = None) -> list[dict]:
    values = {"GitHubRepository": REPOSITORY, "CatalogBucketName": "example-catalog", **(params or {})}
    resources = resolved_resources(ROLE, values)
    return resources[logical_id]["Properties"]["PolicyDocument"]["Statement"]


def test_publish_policy_is_exactly_what_publish_calls_on_the_bucket():
    calls = set(re.findall(r"\bs3\.([a-z_]+)\(", (AWS_DIR / "publish.py").read_text()))
    assert calls and calls <= set(S3_CALL_ACTIONS), f"publish makes S3 calls the role does not cover: {calls}"
    needed = {S3_CALL_ACTIONS[c] for c in calls}
    granted = {(a, r) for s in policy_statements("PublishPolicy") for a in s["Action"] for r in s["Resource"]}
    bucket, objects = "arn:aws:s3:::example-catalog", "arn:aws:s3:::example-catalog/cfn-catalog/*"
    assert granted == {
        ("s3:GetBucketLocation", bucket),
        ("s3:ListBucket", bucket),
        ("s3:GetObject", objects),
        ("s3:PutObject", objects),
    }
    assert {a for a, _ in granted} == needed | {"s3:ListBucket"}  # ListBucket: 404, not 403, for a new key
    assert all(s["Effect"] == "Allow" and "Condition" not in s for s in policy_statements("PublishPolicy"))


def test_deploy_policy_is_optional_and_covers_what_deploy_calls_without_passing_roles():
    assert "DeployPolicy" not in resolved_resources(ROLE, {"GitHubRepository": REPOSITORY, "CatalogBucketName": "b"})
    statements = policy_statements("DeployPolicy", {"AllowDeploy": "true", "DeployStackNamePrefix": "cfn-catalog-"})
    granted = {a for s in statements for a in s["Action"]}
    calls = set(re.findall(r"\bcf\.([a-z_]+)\(", (AWS_DIR / "deploy.py").read_text()))
    needed = {"cloudformation:" + "".join(part.title() for part in call.split("_")) for call in calls}
    assert needed == granted
    assert not any(a.startswith("iam:") or "*" in a for a in granted)
    for statement in statements:
        for resource in statement["Resource"]:
            assert resource.startswith(f"arn:aws:cloudformation:*:{ACCOUNT}:")
            assert resource.split(":")[5].startswith(("stack/cfn-catalog-", "changeSet/cfn-catalog-"))
    (create,) = [s for s in statements if "cloudformation:CreateChangeSet" in s["Action"]]
    assert create["Condition"] == {"StringLike": {"cloudformation:ChangeSetName": "cfn-catalog-*"}}


def test_deploy_resource_permissions_are_attached_only_when_given():
    base = {"GitHubRepository": REPOSITORY, "CatalogBucketName": "b-b-b", "AllowDeploy": "true"}
    role = resolved_resources(ROLE, base)["PublisherRole"]
    assert "ManagedPolicyArns" not in role["Properties"]
    arn = f"arn:aws:iam::{ACCOUNT}:policy/catalog-resources"
    role = resolved_resources(ROLE, {**base, "DeployPermissionsPolicyArns": arn})["PublisherRole"]
    assert role["Properties"]["ManagedPolicyArns"] == arn


# ---------------------------------------------------------------- catalog-bucket

BUCKET_MODES = {
    "Organization": {"ReadAccess": "Organization", "OrganizationId": "o-a1b2c3d4e5"},
    "Accounts": {"ReadAccess": "Accounts", "ReaderAccountIds": "444455556666,777788889999"},
    "Public": {"ReadAccess": "Public"},
}
WRITE_ACTIONS = (
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutBucketPolicy",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "s3:ReplicateObject",
    "s3:RestoreObject",
    "s3:AbortMultipartUpload",
)


def bucket_policy(mode: str) -> list[dict]:
    resources = resolved_resources(BUCKET, BUCKET_MODES[mode])
    return resources["CatalogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]


def actions_of(statement: dict) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


@pytest.mark.parametrize("mode", BUCKET_MODES)
def test_bucket_policy_grants_no_write_to_anyone(mode):
    for statement, write in itertools.product(bucket_policy(mode), WRITE_ACTIONS):
        if statement["Effect"] == "Allow":
            assert not any(string_like(a, write) for a in actions_of(statement)), (statement["Sid"], write)
    (deny,) = [s for s in bucket_policy(mode) if s["Sid"] == "DenyWritesFromOtherAccounts"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert all(any(string_like(a, w) for a in actions_of(deny)) for w in WRITE_ACTIONS)
    assert deny["Condition"] == {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}


@pytest.mark.parametrize("mode", BUCKET_MODES)
def test_readers_get_objects_under_the_templates_prefix_and_nothing_else(mode):
    (read,) = [s for s in bucket_policy(mode) if s["Effect"] == "Allow"]
    assert read["Action"] == ["s3:GetObject"]
    assert read["Resource"] == ["arn:aws:s3:::CatalogBucket/cfn-catalog/*"]
    if mode == "Organization":
        assert read["Principal"] == "*"
        assert read["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    elif mode == "Accounts":
        assert read["Principal"] == {"AWS": "444455556666,777788889999"}  # Ref of the list (joined here)
        assert "Condition" not in read
    else:
        assert read["Principal"] == "*" and "Condition" not in read


@pytest.mark.parametrize(
    ("prefix", "ok"),
    [
        ("cfn-catalog/", True),
        ("team/cfn-catalog/", True),
        ("", False),
        ("cfn-catalog", False),
        ("*", False),
        ("cfn-catalog/*", False),
        ("cfn-?/", False),
        ("/cfn-catalog/", False),
        ("a//", False),
    ],
)
def test_public_read_cannot_be_widened_beyond_a_prefix(prefix, ok):
    pattern = catalog.template_dict(BUCKET)["Parameters"]["TemplatesPrefix"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, prefix)) is ok
    if ok:  # every prefix the template accepts is one publish accepts
        assert publish.normalize_prefix(prefix) == prefix


@pytest.mark.parametrize("mode", BUCKET_MODES)
def test_public_access_block_is_lifted_for_the_public_mode_only_and_acls_never(mode):
    bucket = resolved_resources(BUCKET, BUCKET_MODES[mode])["CatalogBucket"]["Properties"]
    public = mode == "Public"
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": not public,
        "RestrictPublicBuckets": not public,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def test_bucket_is_versioned_sse_s3_tls_only_and_expires_replaced_versions():
    resources = catalog.resources(BUCKET)
    bucket = resources["CatalogBucket"]
    assert bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": {"Ref": "NoncurrentVersionExpirationDays"}
    }
    assert props["LoggingConfiguration"]["Fn::If"][0] == "HasAccessLogBucket"
    tls = resources["CatalogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert tls["Sid"] == "DenyInsecureTransport" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    why = sys.modules[catalog.specs()[BUCKET].module].__doc__
    assert "SSE-S3, not SSE-KMS" in why and "no grant on the key" in " ".join(why.split())


def test_bucket_outputs_are_what_publish_and_launch_url_take():
    outputs = catalog.template_dict(BUCKET)["Outputs"]
    assert outputs["TemplatesBaseUrl"]["Value"] == {
        "Fn::Sub": "https://${CatalogBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/${TemplatesPrefix}"
    }
    assert outputs["BucketRegion"]["Value"] == {"Ref": "AWS::Region"}
    assert outputs["BucketName"]["Value"] == {"Ref": "CatalogBucket"}
    # the base URL is the one publish builds its template URLs from
    base = resolve(outputs["TemplatesBaseUrl"]["Value"], {"CatalogBucket": "b-b-b", "TemplatesPrefix": "p/"}, {})
    assert base == links.template_url("b-b-b", "p/", "us-east-1")


def test_each_read_mode_requires_its_own_parameter():
    rules = catalog.template_dict(BUCKET)["Rules"]
    assert rules["OrganizationIdGiven"]["RuleCondition"] == {"Fn::Equals": [{"Ref": "ReadAccess"}, "Organization"]}
    assert rules["ReaderAccountIdsGiven"]["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Contains": [{"Ref": "ReaderAccountIds"}, ""]}]
    }


# ---------------------------------------------------------------- both on moto


def example(name: str) -> dict:
    return yaml.safe_load((ROOT / "params" / name / "example.yaml").read_text())


def deploy_example(name: str, params_dir: Path = ROOT / "params"):
    (result,) = dep.deploy(
        name, "example", ("us-east-1",), yes=True, directory=TEMPLATES_OUT, params_dir=params_dir, poll=0
    )
    assert (result.outcome, result.status) == ("created", "CREATE_COMPLETE"), result.message
    cf = boto3.client("cloudformation", region_name="us-east-1")
    summaries = cf.list_stack_resources(StackName=example(name)["StackName"])["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries}


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")
def test_catalog_bucket_deploys_on_moto(mocked):
    created = deploy_example(BUCKET)
    assert created["CatalogBucket"] == example(BUCKET)["Parameters"]["BucketName"]  # moto skips the BucketPolicy
    prefix = example(BUCKET)["Parameters"]["TemplatesPrefix"]
    result = publish.publish([BUCKET], bucket=created["CatalogBucket"], prefix=prefix, directory=TEMPLATES_OUT)
    assert [r.latest_url for r in result.roots] == [
        f"https://{created['CatalogBucket']}.s3.us-east-1.amazonaws.com/{prefix}latest/{BUCKET}.yaml"
    ]


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")
def test_ci_publisher_role_deploys_on_moto_with_an_existing_provider(mocked, tmp_path):
    """moto has no AWS::IAM::OIDCProvider: the example creates one, so the provider is made first and named."""
    iam = boto3.client("iam")
    provider = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com", ClientIDList=["sts.amazonaws.com"]
    )["OpenIDConnectProviderArn"]
    profile = example(ROLE)
    profile["Parameters"]["ExistingOidcProviderArn"] = provider
    (tmp_path / ROLE).mkdir()
    (tmp_path / ROLE / "example.yaml").write_text(yaml.safe_dump(profile))

    created = deploy_example(ROLE, tmp_path)

    assert {"PublisherRole", "PublishPolicy"} <= set(created) and "DeployPolicy" not in created
    role = iam.get_role(RoleName=created["PublisherRole"])["Role"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Federated": provider}
    assert statement["Condition"]["StringLike"] == {
        "token.actions.githubusercontent.com:sub": "repo:example-corp/cfn-catalog:ref:refs/tags/v*"
    }
    attached = iam.list_attached_role_policies(RoleName=created["PublisherRole"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [created["PublishPolicy"]]
