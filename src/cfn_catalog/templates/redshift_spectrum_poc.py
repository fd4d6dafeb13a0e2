"""An isolated Amazon Redshift + Redshift Spectrum proof-of-concept environment.

Based on the AWS Big Data blog post "From Data Lake to Data Warehouse:
Enhancing Customer 360 with Amazon Redshift Spectrum": a Redshift cluster
(database `ssb` for the Star Schema Benchmark) that also queries the
clickstream data lake in S3 through Redshift Spectrum, in a VPC of its own.

What it creates:

- A VPC (`pPoCEnvCIDR`, 10.0.0.0/22 by default) with a public subnet (the NAT
  gateway only) and a private analytics subnet, both in `pAvailabilityZone`,
  flow logs, and an S3 gateway endpoint: the cluster uses enhanced VPC
  routing, so its COPY, UNLOAD and Spectrum traffic to S3 stays on the
  endpoint, while the NAT gateway carries the calls to the Glue Data Catalog
  and Session Manager.
- The Redshift cluster in the private subnet: not publicly accessible,
  encrypted with a customer managed KMS key, SSL required (parameter group),
  audit logging (connection, user and user-activity logs) to an S3 bucket,
  automated snapshots, a final snapshot on deletion. The master password is
  generated and kept by Redshift in AWS Secrets Manager
  (`ManageMasterPassword`; output `MasterPasswordSecretArn`), never a parameter.
- An IAM role for Spectrum, associated with the cluster
  (`RedshiftClusterIAMRole`): read-only on the data-lake bucket
  `pDataLakeBucketName`, and the Glue Data Catalog actions the shipped DDL
  needs, on the catalog, the database `pDataLakeDatabaseName` and its tables
  only. If the lake's objects are encrypted with a customer managed KMS key,
  allow this role kms:Decrypt in that key's policy.
- An access host for SQL clients: a small Amazon Linux 2023 instance in the
  private subnet with no inbound rules at all, reached through AWS Systems
  Manager Session Manager port forwarding (the original opened RDP to
  0.0.0.0/0 on a public Windows bastion). The `PortForwardingCommand` output
  opens `localhost:<port>` to the cluster; point any SQL client there. A
  CloudWatch alarm recovers the instance when its system status check fails.

The DDL for the external schema and the partitioned table
`clickstream.uservisits` (by customer and visitYearMonth), plus a Customer
360 query joining it with the SSB customer dimension, is in
`functions/spectrum_ddl.sql`.

Outputs keep the original names: `ClusterEndpoint`, `ClusterName`,
`RedshiftClusterIAMRole`, and `RedshiftClusterSecurityGroupName`, which is now
the id of the cluster's VPC security group (EC2-Classic cluster security
groups no longer exist).
"""

from awacs import glue, s3
from awacs.aws import Allow, Condition, Principal, Statement, StringEquals
from troposphere import Equals, GetAtt, If, Join, Output, Parameter, Ref, Sub, Tags, Template
from troposphere.cloudwatch import Alarm, MetricDimension
from troposphere.ec2 import (
    Instance,
    LaunchTemplateSpecification,
    SecurityGroup,
    SecurityGroupEgress,
    SecurityGroupRule,
)
from troposphere.redshift import (
    AmazonRedshiftParameter,
    Cluster,
    ClusterParameterGroup,
    ClusterSubnetGroup,
    LoggingProperties,
)
from troposphere.s3 import LifecycleRule

from cfn_catalog.blocks.ec2 import AMAZON_LINUX_2023_X86, ami_parameter, launch_template, ssm_instance_role
from cfn_catalog.blocks.iam import partition_arn, service_role
from cfn_catalog.blocks.kms import kms_key
from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.blocks.s3 import BUCKET_NAME_PATTERN, default_lifecycle_rules, secure_bucket
from cfn_catalog.blocks.vpc import vpc
from cfn_catalog.registry import register

NODE_TYPES = ["ra3.large", "ra3.xlplus", "ra3.4xlarge", "ra3.16xlarge"]
ACCESS_HOST_TYPES = ["t3.micro", "t3.small", "t3.medium", "t3a.small", "t3a.medium", "m7i.large", "m6i.large"]
CIDR_PATTERN = r"^(\d{1,3}\.){3}\d{1,3}/(1[6-9]|2[0-8])$"
AUDIT_LOG_PREFIX = "redshift-audit/"
GLUE_READ = [
    glue.GetDatabase,
    glue.GetTable,
    glue.GetTables,
    glue.GetPartition,
    glue.GetPartitions,
    glue.BatchGetPartition,
]
GLUE_WRITE = [
    glue.CreateDatabase,
    glue.CreateTable,
    glue.UpdateTable,
    glue.DeleteTable,
    glue.CreatePartition,
    glue.BatchCreatePartition,
    glue.UpdatePartition,
    glue.DeletePartition,
    glue.BatchDeletePartition,
]


def _parameters(t: Template) -> dict[str, Parameter]:
    specs = [
        ("Network", "pPoCVPCName", "VPC name", {
            "Type": "String", "Default": "redshift-spectrum-poc", "AllowedPattern": r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$",
            "ConstraintDescription": "letters, digits and hyphens",
            "Description": "Name tag prefix of the VPC and its resources"}),
        ("Network", "pPoCEnvCIDR", "VPC CIDR", {
            "Type": "String", "Default": "10.0.0.0/22", "AllowedPattern": CIDR_PATTERN,
            "ConstraintDescription": "a CIDR block from /16 to /28", "Description": "CIDR block of the VPC"}),
        ("Network", "pAvailabilityZone", "Availability Zone", {
            "Type": "AWS::EC2::AvailabilityZone::Name",
            "Description": "Availability Zone of both subnets (and so of the cluster and the access host)"}),
        ("Network", "pPublicSubnetCIDR", "Public subnet CIDR", {
            "Type": "String", "Default": "10.0.0.0/24", "AllowedPattern": CIDR_PATTERN,
            "ConstraintDescription": "a CIDR block inside the VPC CIDR",
            "Description": "CIDR of the public subnet (NAT gateway only)"}),
        ("Network", "pPrivateAnalyticsSubnetCIDR", "Private analytics subnet CIDR", {
            "Type": "String", "Default": "10.0.1.0/24", "AllowedPattern": CIDR_PATTERN,
            "ConstraintDescription": "a CIDR block inside the VPC CIDR",
            "Description": "CIDR of the private subnet of the cluster and the access host"}),
        ("Redshift cluster", "pClusterType", "Cluster type", {
            "Type": "String", "Default": "multi-node", "AllowedValues": ["multi-node", "single-node"],
            "Description": "multi-node, or single-node for the smallest test"}),
        ("Redshift cluster", "pNumberOfNodes", "Number of nodes", {
            "Type": "Number", "Default": 4, "MinValue": 2, "MaxValue": 100,
            "Description": "Compute nodes of a multi-node cluster (ignored for single-node)"}),
        ("Redshift cluster", "pNodeType", "Node type", {
            "Type": "String", "Default": "ra3.xlplus", "AllowedValues": NODE_TYPES,
            "Description": "RA3 node type (managed storage)"}),
        ("Redshift cluster", "pDBPortNumber", "Port", {
            "Type": "Number", "Default": 5439, "MinValue": 1150, "MaxValue": 65535,
            "Description": "Port the cluster listens on"}),
        ("Redshift cluster", "pDatabaseName", "Database name", {
            "Type": "String", "Default": "ssb", "AllowedPattern": r"^[a-z][a-z0-9_]{0,62}$",
            "ConstraintDescription": "lowercase letters, digits and underscores, starting with a letter",
            "Description": "First database of the cluster (ssb: Star Schema Benchmark)"}),
        ("Redshift cluster", "pMasterUsername", "Master user name", {
            "Type": "String", "Default": "rsadmin", "AllowedPattern": r"^[a-z][a-z0-9_]{0,126}$",
            "ConstraintDescription": "lowercase letters, digits and underscores, starting with a letter",
            "Description": "Master user; Redshift generates its password in Secrets Manager"}),
        ("Redshift cluster", "pAuditLogRetentionDays", "Keep audit logs (days)", {
            "Type": "Number", "Default": 365, "MinValue": 1, "MaxValue": 3650,
            "Description": "Days the audit logs are kept in their bucket"}),
        ("Data lake", "pDataLakeBucketName", "Data-lake bucket", {
            "Type": "String", "AllowedPattern": BUCKET_NAME_PATTERN, "ConstraintDescription": "an S3 bucket name",
            "Description": "Existing bucket of the clickstream data lake that Spectrum reads"}),
        ("Data lake", "pDataLakeDatabaseName", "Glue database", {
            "Type": "String", "Default": "clickstream", "AllowedPattern": r"^[a-z][a-z0-9_]{0,254}$",
            "ConstraintDescription": "lowercase letters, digits and underscores",
            "Description": "Glue Data Catalog database of the external schema (the DDL's clickstream)"}),
        ("Access host", "pBastionHostInstanceType", "Access host instance type", {
            "Type": "String", "Default": "t3.small", "AllowedValues": ACCESS_HOST_TYPES,
            "Description": "Instance type of the Session Manager access host (x86_64)"}),
    ]  # fmt: skip
    params: dict[str, Parameter] = {}
    groups: dict[str, list[Parameter]] = {}
    labels: dict[str, str] = {}
    for group, name, label, props in specs:
        params[name] = t.add_parameter(Parameter(name, **props))
        groups.setdefault(group, []).append(params[name])
        labels[name] = label
    params["pAccessHostAmiId"] = ami_parameter(t, "pAccessHostAmiId", default=AMAZON_LINUX_2023_X86)
    groups["Access host"].append(params["pAccessHostAmiId"])
    labels["pAccessHostAmiId"] = "Access host AMI"
    interface(t, list(groups.items()), labels=labels)
    return params


def _spectrum_role(t: Template, p: dict[str, Parameter]):
    bucket_arn = Sub("arn:${AWS::Partition}:s3:::${pDataLakeBucketName}")
    catalog = [
        partition_arn("glue", "catalog"),
        partition_arn("glue", "database/${pDataLakeDatabaseName}"),
        partition_arn("glue", "table/${pDataLakeDatabaseName}/*"),
    ]
    return service_role(
        t,
        "RedshiftSpectrumRole",
        service="redshift.amazonaws.com",
        description="Lets the Redshift cluster read the data lake and its Glue Data Catalog database (Spectrum)",
        statements=[
            Statement(Sid="ReadDataLake", Effect=Allow, Action=[s3.GetObject], Resource=[Join("", [bucket_arn, "/*"])]),
            Statement(
                Sid="ListDataLake",
                Effect=Allow,
                Action=[s3.ListBucket, s3.GetBucketLocation],
                Resource=[bucket_arn],
            ),
            Statement(Sid="ReadCatalog", Effect=Allow, Action=GLUE_READ, Resource=catalog),
            Statement(Sid="DefineExternalTables", Effect=Allow, Action=GLUE_WRITE, Resource=catalog),
        ],
    )


def _audit_log_bucket(t: Template, p: dict[str, Parameter]):
    bucket_arn = GetAtt("AuditLogBucket", "Arn")
    same_account = Condition(StringEquals("aws:SourceAccount", Ref("AWS::AccountId")))
    redshift = Principal("Service", ["redshift.amazonaws.com"])
    bucket, policy = secure_bucket(
        t,
        "AuditLogBucket",
        lifecycle_rules=[
            *default_lifecycle_rules(),
            LifecycleRule(Id="ExpireAuditLogs", Status="Enabled", ExpirationInDays=Ref(p["pAuditLogRetentionDays"])),
        ],
        extra_statements=[
            Statement(
                Sid="RedshiftAuditLogDelivery",
                Effect=Allow,
                Principal=redshift,
                Action=[s3.PutObject],
                Resource=[Join("", [bucket_arn, f"/{AUDIT_LOG_PREFIX}*"])],
                Condition=same_account,
            ),
            Statement(
                Sid="RedshiftAuditLogBucketCheck",
                Effect=Allow,
                Principal=redshift,
                Action=[s3.GetBucketAcl],
                Resource=[bucket_arn],
                Condition=same_account,
            ),
        ],
    )
    accept_findings(
        bucket,
        checkov={
            "CKV_AWS_18": "this bucket holds the cluster's audit logs; logging access to the log bucket "
            "itself would need yet another bucket",
        },
    )
    return bucket, policy


@register
def build() -> Template:
    t = Template(
        Description="Redshift Spectrum proof of concept: a private, encrypted Redshift cluster with enhanced VPC "
        "routing and audit logging, a Spectrum role on a data-lake bucket and its Glue database, and a "
        "Session Manager access host, in a VPC of its own"
    )
    p = _parameters(t)
    t.add_condition("IsMultiNode", Equals(Ref(p["pClusterType"]), "multi-node"))

    network = vpc(
        t,
        cidr=Ref(p["pPoCEnvCIDR"]),
        public_cidrs=[Ref(p["pPublicSubnetCIDR"])],
        private_cidrs=[Ref(p["pPrivateAnalyticsSubnetCIDR"])],
        nat="single",
        name_tag=Ref(p["pPoCVPCName"]),
        gateway_endpoints=["s3"],
    )
    # The vpc block spreads subnets over `!GetAZs`; this environment lives in one chosen zone.
    for subnet in (*network.public_subnets, *network.private_subnets):
        subnet.AvailabilityZone = Ref(p["pAvailabilityZone"])
    private_subnet = network.private_subnets[0]

    access_sg = t.add_resource(
        SecurityGroup(
            "AccessHostSecurityGroup",
            GroupDescription="Access host: no inbound rules, reached through Session Manager",
            VpcId=Ref(network.vpc),
            # HTTPS out (Session Manager and package repositories); the SQL port to the cluster's group is
            # the separate AccessHostToClusterEgress (inline, the two groups would refer to each other).
            SecurityGroupEgress=[
                SecurityGroupRule(
                    IpProtocol="tcp",
                    FromPort=443,
                    ToPort=443,
                    CidrIp="0.0.0.0/0",
                    Description="HTTPS: Session Manager (via NAT) and package repositories",
                )
            ],
            Tags=Tags(Name=Sub("${pPoCVPCName}-access-host")),
        )
    )
    cluster_sg = t.add_resource(
        SecurityGroup(
            "RedshiftClusterSecurityGroup",
            GroupDescription="Redshift cluster: SQL from the access host only",
            VpcId=Ref(network.vpc),
            SecurityGroupIngress=[
                SecurityGroupRule(
                    IpProtocol="tcp",
                    FromPort=Ref(p["pDBPortNumber"]),
                    ToPort=Ref(p["pDBPortNumber"]),
                    SourceSecurityGroupId=Ref(access_sg),
                    Description="SQL clients through the access host",
                )
            ],
            SecurityGroupEgress=[
                SecurityGroupRule(
                    IpProtocol="tcp",
                    FromPort=443,
                    ToPort=443,
                    CidrIp="0.0.0.0/0",
                    Description="HTTPS: S3 (gateway endpoint) and the Glue Data Catalog (NAT) for COPY, UNLOAD, "
                    "Spectrum",
                )
            ],
            Tags=Tags(Name=Sub("${pPoCVPCName}-redshift")),
        )
    )
    t.add_resource(
        SecurityGroupEgress(
            "AccessHostToClusterEgress",
            GroupId=Ref(access_sg),
            IpProtocol="tcp",
            FromPort=Ref(p["pDBPortNumber"]),
            ToPort=Ref(p["pDBPortNumber"]),
            DestinationSecurityGroupId=Ref(cluster_sg),
            Description="SQL to the Redshift cluster (Session Manager port forwarding)",
        )
    )

    key = kms_key(
        t,
        "RedshiftKey",
        description="Encrypts the Redshift Spectrum PoC cluster and its master password secret",
        alias=Sub("alias/${AWS::StackName}-redshift"),
    )
    spectrum_role = _spectrum_role(t, p)
    _, audit_policy = _audit_log_bucket(t, p)
    parameter_group = t.add_resource(
        ClusterParameterGroup(
            "RedshiftParameterGroup",
            Description="SSL required, user activity logged",
            ParameterGroupFamily="redshift-1.0",
            Parameters=[
                AmazonRedshiftParameter(ParameterName="require_ssl", ParameterValue="true"),
                AmazonRedshiftParameter(ParameterName="enable_user_activity_logging", ParameterValue="true"),
            ],
        )
    )
    subnet_group = t.add_resource(
        ClusterSubnetGroup(
            "RedshiftSubnetGroup",
            Description="Private analytics subnet of the Redshift Spectrum PoC",
            SubnetIds=[Ref(private_subnet)],
        )
    )
    cluster = t.add_resource(
        Cluster(
            "RedshiftCluster",
            DependsOn=[audit_policy.title],
            DeletionPolicy="Snapshot",
            UpdateReplacePolicy="Snapshot",
            ClusterType=Ref(p["pClusterType"]),
            NodeType=Ref(p["pNodeType"]),
            NumberOfNodes=If("IsMultiNode", Ref(p["pNumberOfNodes"]), Ref("AWS::NoValue")),
            DBName=Ref(p["pDatabaseName"]),
            MasterUsername=Ref(p["pMasterUsername"]),
            ManageMasterPassword=True,
            MasterPasswordSecretKmsKeyId=Ref(key),
            Port=Ref(p["pDBPortNumber"]),
            ClusterSubnetGroupName=Ref(subnet_group),
            VpcSecurityGroupIds=[Ref(cluster_sg)],
            ClusterParameterGroupName=Ref(parameter_group),
            PubliclyAccessible=False,
            Encrypted=True,
            KmsKeyId=Ref(key),
            EnhancedVpcRouting=True,
            IamRoles=[GetAtt(spectrum_role, "Arn")],
            LoggingProperties=LoggingProperties(BucketName=Ref("AuditLogBucket"), S3KeyPrefix=AUDIT_LOG_PREFIX),
            AutomatedSnapshotRetentionPeriod=7,
            AllowVersionUpgrade=True,
            Tags=Tags(Name=Sub("${pPoCVPCName}-redshift")),
        )
    )

    _, profile = ssm_instance_role(t, "AccessHost")
    template = launch_template(
        t,
        "AccessHostLaunchTemplate",
        image_id=Ref(p["pAccessHostAmiId"]),
        instance_type=Ref(p["pBastionHostInstanceType"]),
        instance_profile=profile,
        security_group_ids=[Ref(access_sg)],
        volume_size=20,
        name_tag=Sub("${pPoCVPCName}-access-host"),
    )
    host = t.add_resource(
        Instance(
            "AccessHost",
            LaunchTemplate=LaunchTemplateSpecification(
                LaunchTemplateId=Ref(template), Version=GetAtt(template, "LatestVersionNumber")
            ),
            SubnetId=Ref(private_subnet),
        )
    )
    t.add_resource(
        Alarm(
            "AccessHostRecoveryAlarm",
            AlarmDescription="Recovers the access host when its system status check fails",
            Namespace="AWS/EC2",
            MetricName="StatusCheckFailed_System",
            Dimensions=[MetricDimension(Name="InstanceId", Value=Ref(host))],
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=2,
            Threshold=0,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[Sub("arn:${AWS::Partition}:automate:${AWS::Region}:ec2:recover")],
        )
    )

    endpoint = "${RedshiftCluster.Endpoint.Address}"
    port = "${RedshiftCluster.Endpoint.Port}"
    outputs = [
        ("ClusterEndpoint", "Cluster endpoint (host:port), reachable from inside the VPC", Sub(f"{endpoint}:{port}")),
        ("ClusterName", "Redshift cluster identifier", Ref(cluster)),
        (
            "RedshiftClusterSecurityGroupName",
            "Id of the cluster's VPC security group (replaces the original's cluster security group name)",
            Ref(cluster_sg),
        ),
        (
            "RedshiftClusterIAMRole",
            "ARN of the Spectrum role associated with the cluster",
            GetAtt(spectrum_role, "Arn"),
        ),
        (
            "MasterPasswordSecretArn",
            "Secrets Manager secret with the master user's generated password",
            GetAtt(cluster, "MasterPasswordSecretArn"),
        ),
        ("AccessHostInstanceId", "Session Manager target for SQL port forwarding", Ref(host)),
        (
            "PortForwardingCommand",
            "Opens localhost:<port> to the cluster through the access host (needs the Session Manager plugin)",
            Sub(
                "aws ssm start-session --region ${AWS::Region} --target ${AccessHost} "
                "--document-name AWS-StartPortForwardingSessionToRemoteHost "
                f"--parameters host={endpoint},portNumber={port},localPortNumber={port}"
            ),
        ),
        ("VpcId", "VPC of the environment", Ref(network.vpc)),
    ]
    for name, description, value in outputs:
        t.add_output(Output(name, Description=description, Value=value))
    return t
