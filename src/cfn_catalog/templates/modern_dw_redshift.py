"""The Amazon Redshift cluster of the modern data warehouse (child of `modern-dw-workload`).

An RA3 cluster (single-node when RedshiftNumberOfNodes is 1) in the private
subnets: not publicly accessible, encrypted with the workload's KMS key,
enhanced VPC routing on (COPY and UNLOAD traffic stays in the VPC: give the
private subnets a NAT gateway or an S3 gateway endpoint), TLS required by its
parameter group, connection/user/user-activity logs exported to CloudWatch
Logs, seven days of automated snapshots and a final snapshot on deletion.

The master password is generated and rotated by Redshift in AWS Secrets
Manager (`ManageMasterPassword`); no password parameter exists. The security
group admits port 5439 only from the SQL worker and Tableau Server groups.
Deploy it through `modern-dw-workload` (or `modern-dw`), not alone.
"""

from troposphere import Equals, GetAtt, If, Not, Or, Output, Parameter, Ref, Template
from troposphere.ec2 import SecurityGroup, SecurityGroupRule
from troposphere.redshift import (
    AmazonRedshiftParameter,
    Cluster,
    ClusterParameterGroup,
    ClusterSubnetGroup,
    LoggingProperties,
)

from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.registry import register

REDSHIFT_PORT = 5439
NODE_TYPES = ["ra3.large", "ra3.xlplus", "ra3.4xlarge", "ra3.16xlarge"]
MULTI_NODE_ONLY = ["ra3.4xlarge", "ra3.16xlarge"]

REDSHIFT_PARAMETERS: dict[str, dict] = {
    "RedshiftDatabaseName": {
        "Type": "String",
        "Default": "quickstart",
        "AllowedPattern": r"^[a-z][a-z0-9_]{0,63}$",
        "ConstraintDescription": "1-64 lowercase letters, digits and underscores, starting with a letter",
        "Description": "Name of the database created in the Redshift cluster",
    },
    "RedshiftNumberOfNodes": {
        "Type": "Number",
        "Default": 2,
        "MinValue": 1,
        "MaxValue": 32,
        "Description": "Compute nodes of the Redshift cluster; 1 makes a single-node cluster "
        "(ra3.large and ra3.xlplus only)",
    },
    "RedshiftNodeType": {
        "Type": "String",
        "Default": "ra3.xlplus",
        "AllowedValues": NODE_TYPES,
        "Description": "RA3 node type of the Redshift cluster (managed storage)",
    },
    "RedshiftUsername": {
        "Type": "String",
        "Default": "dwadmin",
        "AllowedPattern": r"^[a-z][a-z0-9_]{0,62}$",
        "ConstraintDescription": "1-63 lowercase letters, digits and underscores, starting with a letter",
        "Description": "Master user of the Redshift cluster; its password is generated and kept by "
        "Redshift in AWS Secrets Manager",
    },
}
REDSHIFT_LABELS = {
    "RedshiftDatabaseName": "Database name",
    "RedshiftNumberOfNodes": "Number of nodes",
    "RedshiftNodeType": "Node type",
    "RedshiftUsername": "Master user name",
}

# What the database children receive from the workload (shared with modern-dw-rds).
DATABASE_NETWORK_PARAMETERS: dict[str, dict] = {
    "VPCID": {"Type": "AWS::EC2::VPC::Id", "Description": "VPC of the workload"},
    "PrivateSubnet1ID": {"Type": "AWS::EC2::Subnet::Id", "Description": "Private subnet in the first AZ"},
    "PrivateSubnet2ID": {"Type": "AWS::EC2::Subnet::Id", "Description": "Private subnet in the second AZ"},
    "SqlWorkerSecurityGroupId": {
        "Type": "AWS::EC2::SecurityGroup::Id",
        "Description": "Security group of the SQL worker (allowed to connect)",
    },
    "TableauServerSecurityGroupId": {
        "Type": "AWS::EC2::SecurityGroup::Id",
        "Description": "Security group of Tableau Server (allowed to connect)",
    },
    "KmsKeyArn": {
        "Type": "String",
        "AllowedPattern": r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$",
        "ConstraintDescription": "a KMS key ARN",
        "Description": "KMS key that encrypts the database and its managed secret",
    },
}


def node_count_rule(t: Template) -> None:
    """Reject a single-node cluster of a node type that only comes multi-node."""
    t.add_rule(
        "RedshiftNodeCountFitsNodeType",
        {
            "RuleCondition": Or(*(Equals(Ref("RedshiftNodeType"), kind) for kind in MULTI_NODE_ONLY)),
            "Assertions": [
                {
                    "Assert": Not(Equals(Ref("RedshiftNumberOfNodes"), "1")),
                    "AssertDescription": "ra3.4xlarge and ra3.16xlarge clusters need at least 2 nodes",
                }
            ],
        },
    )


def ingress_from_clients(port: int) -> list[SecurityGroupRule]:
    return [
        SecurityGroupRule(
            IpProtocol="tcp",
            FromPort=port,
            ToPort=port,
            SourceSecurityGroupId=Ref(group),
            Description=f"{who} to the database",
        )
        for group, who in (("SqlWorkerSecurityGroupId", "SQL worker"), ("TableauServerSecurityGroupId", "Tableau"))
    ]


@register
def build() -> Template:
    t = Template(
        Description="Modern data warehouse: encrypted private Amazon Redshift RA3 cluster with a managed "
        "master password (child of modern-dw-workload)"
    )
    network = {name: t.add_parameter(Parameter(name, **spec)) for name, spec in DATABASE_NETWORK_PARAMETERS.items()}
    role_arn = t.add_parameter(
        Parameter(
            "RedshiftRoleArn",
            Type="String",
            AllowedPattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
            ConstraintDescription="an IAM role ARN",
            Description="Role the cluster assumes to COPY the sample dataset",
        )
    )
    params = {name: t.add_parameter(Parameter(name, **spec)) for name, spec in REDSHIFT_PARAMETERS.items()}
    interface(
        t,
        [
            ("Redshift cluster", list(params.values())),
            ("Network and encryption (from the workload)", [*network.values(), role_arn]),
        ],
        labels=REDSHIFT_LABELS,
    )
    node_count_rule(t)
    t.add_condition("IsSingleNode", Equals(Ref(params["RedshiftNumberOfNodes"]), "1"))

    group = t.add_resource(
        SecurityGroup(
            "RedshiftSecurityGroup",
            GroupDescription="Redshift: port 5439 from the SQL worker and Tableau Server only",
            VpcId=Ref(network["VPCID"]),
            SecurityGroupIngress=ingress_from_clients(REDSHIFT_PORT),
        )
    )
    subnets = t.add_resource(
        ClusterSubnetGroup(
            "RedshiftSubnetGroup",
            Description="Private subnets of the Redshift cluster",
            SubnetIds=[Ref(network["PrivateSubnet1ID"]), Ref(network["PrivateSubnet2ID"])],
        )
    )
    parameters = t.add_resource(
        ClusterParameterGroup(
            "RedshiftParameterGroup",
            Description="TLS-only connections and user activity logging",
            ParameterGroupFamily="redshift-1.0",
            Parameters=[
                AmazonRedshiftParameter(ParameterName="require_ssl", ParameterValue="true"),
                AmazonRedshiftParameter(ParameterName="enable_user_activity_logging", ParameterValue="true"),
            ],
        )
    )
    cluster = Cluster(
        "RedshiftCluster",
        ClusterType=If("IsSingleNode", "single-node", "multi-node"),
        NumberOfNodes=If("IsSingleNode", Ref("AWS::NoValue"), Ref(params["RedshiftNumberOfNodes"])),
        NodeType=Ref(params["RedshiftNodeType"]),
        DBName=Ref(params["RedshiftDatabaseName"]),
        MasterUsername=Ref(params["RedshiftUsername"]),
        ManageMasterPassword=True,
        MasterPasswordSecretKmsKeyId=Ref(network["KmsKeyArn"]),
        Encrypted=True,
        KmsKeyId=Ref(network["KmsKeyArn"]),
        PubliclyAccessible=False,
        EnhancedVpcRouting=True,
        Port=REDSHIFT_PORT,
        ClusterSubnetGroupName=Ref(subnets),
        VpcSecurityGroupIds=[Ref(group)],
        ClusterParameterGroupName=Ref(parameters),
        IamRoles=[Ref(role_arn)],
        AutomatedSnapshotRetentionPeriod=7,
        AllowVersionUpgrade=True,
        LoggingProperties=LoggingProperties(
            LogDestinationType="cloudwatch",
            LogExports=["connectionlog", "useractivitylog", "userlog"],
        ),
        DeletionPolicy="Snapshot",
        UpdateReplacePolicy="Snapshot",
    )
    accept_findings(
        cluster,
        checkov={
            "CKV_AWS_71": "audit logging is on, exported to CloudWatch Logs (LogDestinationType cloudwatch); "
            "this checkov version only recognises logging to an S3 bucket",
        },
    )
    t.add_resource(cluster)

    t.add_output(
        Output("EndpointAddress", Description="Host name of the cluster", Value=GetAtt(cluster, "Endpoint.Address"))
    )
    t.add_output(Output("EndpointPort", Description="Port of the cluster", Value=GetAtt(cluster, "Endpoint.Port")))
    t.add_output(Output("ClusterName", Description="Identifier of the cluster", Value=Ref(cluster)))
    t.add_output(
        Output(
            "SecretArn",
            Description="Secrets Manager secret holding the master user name and password",
            Value=GetAtt(cluster, "MasterPasswordSecretArn"),
        )
    )
    t.add_output(Output("SecurityGroupId", Description="Security group of the cluster", Value=Ref(group)))
    return t
