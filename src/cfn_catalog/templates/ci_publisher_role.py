"""The role continuous delivery publishes the catalog with: GitHub Actions through OIDC, optionally AWS CodeBuild.

No access keys exist. A GitHub Actions workflow gets short-lived credentials
for this role from `aws-actions/configure-aws-credentials` (the workflow needs
`permissions: id-token: write`); the trust policy accepts a token only when

- it comes from GitHub's OIDC provider, `token.actions.githubusercontent.com`,
- its audience (`aud`) is `sts.amazonaws.com`, and
- its subject (`sub`) names the repository `GitHubRepository` (`owner/name`,
  exactly: the parameter admits no wildcard, so no other repository or
  owner ever matches), and, when given, one environment (`GitHubEnvironment`,
  `repo:owner/name:environment:<env>`) or one branch or tag pattern
  (`GitHubRefPattern`, e.g. `refs/tags/v*` or `refs/heads/main`). With
  neither, any workflow run of that repository may assume the role,
  pull requests included: set one of them for a release role.

An account has one GitHub OIDC provider: leave `ExistingOidcProviderArn`
empty to create it with this stack, or give the ARN of the one already there
(`arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`).

`CodeBuildProjectName` adds a second way in: the CodeBuild project of that
name in this account and region (`codebuild.amazonaws.com`, limited by
`aws:SourceAccount` and `aws:SourceArn`) may assume the role as its service
role, to run the repository's `buildspec.yml`; the role then may also write
the project's build logs (`/aws/codebuild/<project>` in CloudWatch Logs).

What the role may do is what `cfn-catalog publish` calls on the catalog
bucket, and nothing more:

- `s3:GetBucketLocation` and `s3:ListBucket` on the bucket: publish asks for
  the bucket's region (HeadBucket, its fallback, is ListBucket), and S3
  answers a HeadObject on a missing key with 404 only to a caller that may
  list the bucket (403 otherwise, which publish reports as an error);
- `s3:GetObject` under `TemplatesPrefix`: HeadObject reads each object's
  `sha256` metadata, so that unchanged objects are skipped;
- `s3:PutObject` under `TemplatesPrefix`: the uploads (single-part, with
  metadata, no ACL, no tags). No delete: published versions are immutable.

The objects are SSE-S3, so no KMS permission is needed (see
`catalog-bucket`).

`AllowDeploy=true` adds a second managed policy for `cfn-catalog deploy`,
`status` and `delete`: the change-set lifecycle (create one named
`cfn-catalog-*`, describe, execute, delete), DescribeStacks,
DescribeStackEvents, GetTemplate and DeleteStack, on the stacks of this
account whose names start with `DeployStackNamePrefix` (every stack when it
is empty), in any region. `cfn-catalog deploy` passes no service role, so
CloudFormation creates a stack's resources with the role's own permissions:
attach what the deployed templates need through `DeployPermissionsPolicyArns`.
No `iam:PassRole` is granted, since no role is passed to CloudFormation; a
template whose resources take a role (a Lambda function's, say) needs
`iam:PassRole` on that role from the policies you attach.
"""

from awacs import cloudformation, logs, s3
from awacs.aws import Allow, ArnEquals, Condition, Principal, Statement, StringEquals, StringLike
from awacs.sts import AssumeRole, AssumeRoleWithWebIdentity
from troposphere import And, Equals, GetAtt, If, Join, Not, Output, Parameter, Ref, Sub, Template
from troposphere import Condition as ConditionRef
from troposphere.iam import ManagedPolicy, OIDCProvider, Role

from cfn_catalog.blocks.iam import policy_document
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.blocks.s3 import BUCKET_NAME_PATTERN, BUCKET_NAME_RULE, templates_prefix
from cfn_catalog.registry import register

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
# owner/name, exactly: no '*' or '?', which StringLike would read as wildcards.
REPOSITORY_PATTERN = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
REF_PATTERN = r"^$|^refs/(heads|tags)/[A-Za-z0-9_.*/-]{1,200}$"
ENVIRONMENT_PATTERN = r"^$|^[A-Za-z0-9_.-]{1,255}$"
OIDC_PROVIDER_ARN_PATTERN = r"^$|^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$"
CODEBUILD_PROJECT_PATTERN = r"^$|^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$"
STACK_PREFIX_PATTERN = r"^$|^[A-Za-z][A-Za-z0-9-]{0,127}$"
POLICY_ARN_PATTERN = r"^$|^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\w+=,.@/-]{1,512}$"
CODEBUILD_LOG_GROUP = (
    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/codebuild/${CodeBuildProjectName}"
)
# deploy.py names every change set it creates cfn-catalog-<time>-<hex>.
CHANGE_SET_NAMES = "cfn-catalog-*"

PUBLISH_BUCKET_ACTIONS = ("GetBucketLocation", "ListBucket")
PUBLISH_OBJECT_ACTIONS = ("GetObject", "PutObject")
DEPLOY_ACTIONS = (
    "CreateChangeSet",
    "DescribeChangeSet",
    "ExecuteChangeSet",
    "DeleteChangeSet",
    "DescribeStacks",
    "DescribeStackEvents",
    "GetTemplate",
    "DeleteStack",
)


def actions(module, *names: str) -> list:
    """awacs actions by name; a misspelt name fails at build time."""
    return [getattr(module, name) for name in names]


def _parameters(t: Template) -> dict[str, Parameter]:
    params = [
        Parameter(
            "GitHubRepository",
            Type="String",
            AllowedPattern=REPOSITORY_PATTERN,
            ConstraintDescription="owner/name of one repository, without wildcards",
            Description="The GitHub repository (owner/name) whose workflows may assume the role",
        ),
        Parameter(
            "GitHubRefPattern",
            Type="String",
            Default="",
            AllowedPattern=REF_PATTERN,
            ConstraintDescription="refs/heads/<branch> or refs/tags/<tag>, '*' allowed, or empty",
            Description="Only runs for this branch or tag (e.g. refs/tags/v*); empty: any ref. "
            "Not with GitHubEnvironment",
        ),
        Parameter(
            "GitHubEnvironment",
            Type="String",
            Default="",
            AllowedPattern=ENVIRONMENT_PATTERN,
            ConstraintDescription="an environment name of letters, digits and _.-, or empty",
            Description="Only jobs that run in this GitHub environment; empty: none required. "
            "Not with GitHubRefPattern",
        ),
        Parameter(
            "ExistingOidcProviderArn",
            Type="String",
            Default="",
            AllowedPattern=OIDC_PROVIDER_ARN_PATTERN,
            ConstraintDescription="the ARN of this account's token.actions.githubusercontent.com provider, or empty",
            Description="The account's GitHub OIDC provider if it already exists; empty creates it (one per account)",
        ),
        Parameter(
            "CodeBuildProjectName",
            Type="String",
            Default="",
            AllowedPattern=CODEBUILD_PROJECT_PATTERN,
            ConstraintDescription="a CodeBuild project name, or empty",
            Description="Also trust this CodeBuild project of this account and region (as its service role); "
            "empty: GitHub Actions only",
        ),
        Parameter(
            "CatalogBucketName",
            Type="String",
            AllowedPattern=BUCKET_NAME_PATTERN,
            ConstraintDescription=BUCKET_NAME_RULE,
            Description="The catalog bucket (output BucketName of catalog-bucket)",
        ),
        Parameter(
            "AllowDeploy",
            Type="String",
            Default="false",
            AllowedValues=["false", "true"],
            Description="Also allow cfn-catalog deploy, status and delete (CloudFormation change sets)",
        ),
        Parameter(
            "DeployStackNamePrefix",
            Type="String",
            Default="",
            AllowedPattern=STACK_PREFIX_PATTERN,
            ConstraintDescription="the start of a stack name, or empty",
            Description="With AllowDeploy: only stacks whose names start with this; empty: every stack",
        ),
        Parameter(
            "DeployPermissionsPolicyArns",
            Type="CommaDelimitedList",
            Default="",
            AllowedPattern=POLICY_ARN_PATTERN,
            ConstraintDescription="managed policy ARNs, comma-separated, or empty",
            Description="With AllowDeploy: managed policies granting what the deployed templates' resources need",
        ),
    ]
    parameters = {p.title: t.add_parameter(p) for p in params}
    parameters["TemplatesPrefix"] = templates_prefix(
        t, description="Key prefix the catalog is published under (output TemplatesPrefix of catalog-bucket)"
    )
    return parameters


def _rules(t: Template) -> None:
    t.add_rule(
        "OneSubjectRestriction",
        {
            "RuleCondition": {"Fn::Not": [{"Fn::Equals": [Ref("GitHubEnvironment"), ""]}]},
            "Assertions": [
                {
                    "Assert": {"Fn::Equals": [Ref("GitHubRefPattern"), ""]},
                    "AssertDescription": "give GitHubEnvironment or GitHubRefPattern, not both: a job in an "
                    "environment presents the environment, not the ref, as its subject",
                }
            ],
        },
    )


def github_subject() -> If:
    """The `sub` the token must match; the repository part is always the literal parameter value."""
    return If(
        "HasEnvironment",
        Sub("repo:${GitHubRepository}:environment:${GitHubEnvironment}"),
        If("HasRefPattern", Sub("repo:${GitHubRepository}:ref:${GitHubRefPattern}"), Sub("repo:${GitHubRepository}:*")),
    )


def trust_statements() -> list[Statement]:
    provider = If("CreateOidcProvider", Ref("GitHubOidcProvider"), Ref("ExistingOidcProviderArn"))
    github = Statement(
        Sid="GitHubActionsOfOneRepository",
        Effect=Allow,
        Principal=Principal("Federated", provider),
        Action=[AssumeRoleWithWebIdentity],
        Condition=Condition(
            [
                StringEquals(f"{GITHUB_OIDC_HOST}:aud", GITHUB_AUDIENCE),
                StringLike(f"{GITHUB_OIDC_HOST}:sub", github_subject()),
            ]
        ),
    )
    codebuild = Statement(
        Sid="CodeBuildProject",
        Effect=Allow,
        Principal=Principal("Service", ["codebuild.amazonaws.com"]),
        Action=[AssumeRole],
        Condition=Condition(
            [
                StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
                ArnEquals(
                    "aws:SourceArn",
                    Sub(
                        "arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/"
                        "${CodeBuildProjectName}"
                    ),
                ),
            ]
        ),
    )
    return [github, codebuild]


def publish_statements() -> list[Statement]:
    return [
        Statement(
            Sid="FindTheCatalogBucket",
            Effect=Allow,
            Action=actions(s3, *PUBLISH_BUCKET_ACTIONS),
            Resource=[Sub("arn:${AWS::Partition}:s3:::${CatalogBucketName}")],
        ),
        Statement(
            Sid="ReadAndWriteTheCatalog",
            Effect=Allow,
            Action=actions(s3, *PUBLISH_OBJECT_ACTIONS),
            Resource=[Sub("arn:${AWS::Partition}:s3:::${CatalogBucketName}/${TemplatesPrefix}*")],
        ),
    ]


def deploy_statements() -> list[Statement]:
    stacks = If(
        "HasDeployStackNamePrefix",
        Sub("arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/${DeployStackNamePrefix}*/*"),
        Sub("arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/*/*"),
    )
    change_sets = Sub(f"arn:${{AWS::Partition}}:cloudformation:*:${{AWS::AccountId}}:changeSet/{CHANGE_SET_NAMES}/*")
    return [
        Statement(
            Sid="CreateCatalogChangeSets",
            Effect=Allow,
            Action=[cloudformation.CreateChangeSet],
            Resource=[stacks],
            Condition=Condition(StringLike("cloudformation:ChangeSetName", CHANGE_SET_NAMES)),
        ),
        Statement(
            Sid="RunAndFollowStacks",
            Effect=Allow,
            Action=actions(cloudformation, *(a for a in DEPLOY_ACTIONS if a != "CreateChangeSet")),
            Resource=[stacks, change_sets],
        ),
    ]


@register
def build() -> Template:
    t = Template(
        Description="CI publisher role: GitHub Actions of one repository (OIDC, optional branch, tag or "
        "environment) or one CodeBuild project may publish the catalog to its bucket, optionally deploy it"
    )
    p = _parameters(t)
    interface(
        t,
        [
            (
                "Who may assume the role",
                [
                    p["GitHubRepository"],
                    p["GitHubRefPattern"],
                    p["GitHubEnvironment"],
                    p["ExistingOidcProviderArn"],
                    p["CodeBuildProjectName"],
                ],
            ),
            ("Publish", [p["CatalogBucketName"], p["TemplatesPrefix"]]),
            ("Deploy", [p["AllowDeploy"], p["DeployStackNamePrefix"], p["DeployPermissionsPolicyArns"]]),
        ],
        labels={
            "GitHubRepository": "GitHub repository (owner/name)",
            "GitHubRefPattern": "Branch or tag pattern",
            "GitHubEnvironment": "GitHub environment",
            "ExistingOidcProviderArn": "Existing GitHub OIDC provider ARN",
            "CodeBuildProjectName": "CodeBuild project name",
            "CatalogBucketName": "Catalog bucket name",
            "TemplatesPrefix": "Templates prefix",
            "AllowDeploy": "Allow deploy",
            "DeployStackNamePrefix": "Stack name prefix",
            "DeployPermissionsPolicyArns": "Resource permission policy ARNs",
        },
    )
    _rules(t)
    t.add_condition("CreateOidcProvider", Equals(Ref(p["ExistingOidcProviderArn"]), ""))
    t.add_condition("HasEnvironment", Not(Equals(Ref(p["GitHubEnvironment"]), "")))
    t.add_condition("HasRefPattern", Not(Equals(Ref(p["GitHubRefPattern"]), "")))
    t.add_condition("TrustCodeBuild", Not(Equals(Ref(p["CodeBuildProjectName"]), "")))
    t.add_condition("Deploy", Equals(Ref(p["AllowDeploy"]), "true"))
    t.add_condition("HasDeployStackNamePrefix", Not(Equals(Ref(p["DeployStackNamePrefix"]), "")))
    t.add_condition(
        "DeployWithPermissions",
        And(ConditionRef("Deploy"), Not(Equals(Join("", Ref(p["DeployPermissionsPolicyArns"])), ""))),
    )

    provider = t.add_resource(
        OIDCProvider(
            "GitHubOidcProvider",
            Condition="CreateOidcProvider",
            Url=f"https://{GITHUB_OIDC_HOST}",
            ClientIdList=[GITHUB_AUDIENCE],
        )
    )
    github, codebuild = trust_statements()
    role = t.add_resource(
        Role(
            "PublisherRole",
            Description="Publishes the CloudFormation catalog (cfn-catalog publish) from CI",
            MaxSessionDuration=3600,
            AssumeRolePolicyDocument=If("TrustCodeBuild", policy_document(github, codebuild), policy_document(github)),
            ManagedPolicyArns=If("DeployWithPermissions", Ref(p["DeployPermissionsPolicyArns"]), Ref("AWS::NoValue")),
        )
    )
    publish = t.add_resource(
        ManagedPolicy(
            "PublishPolicy",
            Description="What cfn-catalog publish calls on the catalog bucket",
            Roles=[Ref(role)],
            PolicyDocument=policy_document(*publish_statements()),
        )
    )
    t.add_resource(
        ManagedPolicy(
            "CodeBuildLogsPolicy",
            Condition="TrustCodeBuild",
            Description="The CodeBuild project's build logs, when the role is its service role",
            Roles=[Ref(role)],
            PolicyDocument=policy_document(
                Statement(
                    Sid="WriteTheProjectsBuildLogs",
                    Effect=Allow,
                    Action=[logs.CreateLogGroup, logs.CreateLogStream, logs.PutLogEvents],
                    Resource=[
                        Sub(CODEBUILD_LOG_GROUP),
                        Sub(f"{CODEBUILD_LOG_GROUP}:*"),
                    ],
                )
            ),
        )
    )
    deploy = t.add_resource(
        ManagedPolicy(
            "DeployPolicy",
            Condition="Deploy",
            Description="What cfn-catalog deploy, status and delete call on CloudFormation",
            Roles=[Ref(role)],
            PolicyDocument=policy_document(*deploy_statements()),
        )
    )

    t.add_output(
        Output("RoleArn", Description="role-to-assume of configure-aws-credentials", Value=GetAtt(role, "Arn"))
    )
    t.add_output(Output("RoleName", Description="Name of the publisher role", Value=Ref(role)))
    t.add_output(
        Output(
            "OidcProviderArn",
            Description="The account's GitHub OIDC provider",
            Value=If("CreateOidcProvider", Ref(provider), Ref(p["ExistingOidcProviderArn"])),
        )
    )
    t.add_output(Output("PublishPolicyArn", Description="The publish policy", Value=Ref(publish)))
    t.add_output(Output("DeployPolicyArn", Condition="Deploy", Description="The deploy policy", Value=Ref(deploy)))
    return t
