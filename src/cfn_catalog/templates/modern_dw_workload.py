"""Modern data warehouse in an existing VPC: Amazon Redshift, Amazon RDS for PostgreSQL and Tableau Server.

The workload of the AWS blog post "Deploy a Data Warehouse Quickly with
Amazon Redshift, Amazon RDS for PostgreSQL and Tableau Server" (the Tableau
AWS Data Quick Start). Deploy it directly into a VPC you already have, or
through `modern-dw`, which creates the VPC first. It needs one public subnet
(Tableau Server) and two private subnets in different Availability Zones with
outbound internet access through NAT (the instances install packages, reach
AWS APIs and Redshift COPYs the sample from S3).

It creates the security groups of the two database clients and five nested
stacks, plus a sixth when HostedZoneName is set:

- `modern-dw-iam`: the KMS key, the role Redshift uses to COPY the sample and
  the RDS enhanced-monitoring role;
- `modern-dw-redshift`: an encrypted, private RA3 cluster;
- `modern-dw-rds`: an encrypted, private PostgreSQL 16 instance (Multi-AZ option);
- `modern-dw-sqlworker`: an Amazon Linux 2023 instance that loads the TICKIT
  sample into both databases when LoadDataset is true;
- `modern-dw-tableau`: Tableau Server on Windows Server 2022;
- `modern-dw-dns` (optional): private names for the four endpoints.

Security, compared with the original: the database master passwords are
generated and kept by Redshift and RDS in AWS Secrets Manager (no password
parameter; read them from the secrets named in the outputs); the Tableau
administrator password is NoEcho and reaches the instance through a Secrets
Manager secret, never through user data; both databases admit connections
only from the SQL worker and Tableau Server security groups; Tableau Server
is reachable on 80/443/8850 only from TableauServerInboundCIDR; instances are
administered with AWS Systems Manager Session Manager instead of the
original's Linux bastion and Remote Desktop Gateway hosts, and KeyPairName is
optional.
"""

from troposphere import Equals, GetAtt, If, Not, Output, Parameter, Ref, Template
from troposphere.ec2 import SecurityGroup, SecurityGroupRule

from cfn_catalog.blocks import nested
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register
from cfn_catalog.templates.modern_dw_dns import HOSTED_ZONE_PARAMETER
from cfn_catalog.templates.modern_dw_iam import DATASET_LABELS, DATASET_PARAMETERS
from cfn_catalog.templates.modern_dw_rds import RDS_LABELS, RDS_PARAMETERS
from cfn_catalog.templates.modern_dw_redshift import REDSHIFT_LABELS, REDSHIFT_PARAMETERS, node_count_rule
from cfn_catalog.templates.modern_dw_sqlworker import KEY_PAIR_PARAMETER, SQLWORKER_LABELS, SQLWORKER_PARAMETERS
from cfn_catalog.templates.modern_dw_tableau import REGISTRATION, TABLEAU_LABELS, TABLEAU_PARAMETERS

TABLEAU_PORTS = [(80, "Tableau Server (HTTP)"), (443, "Tableau Server (HTTPS)"), (8850, "Tableau Services Manager")]
INBOUND_CIDR_PARAMETER = {
    "Type": "String",
    "AllowedPattern": r"^(\d{1,3}\.){3}\d{1,3}/(\d|[12]\d|3[0-2])$",
    "ConstraintDescription": "a CIDR block such as 203.0.113.0/24",
    "Description": "Only this CIDR block reaches Tableau Server (ports 80, 443) and TSM (port 8850); "
    "0.0.0.0/0 is refused",
}

# The workload's own deployment parameters, in console order; modern-dw declares the same ones.
PARAMETER_GROUPS: list[tuple[str, dict[str, dict]]] = [
    (
        "Tableau Server",
        {
            "TableauServerInboundCIDR": INBOUND_CIDR_PARAMETER,
            **{name: spec for name, spec in TABLEAU_PARAMETERS.items() if name not in REGISTRATION},
        },
    ),
    ("Tableau Server registration", {name: TABLEAU_PARAMETERS[name] for name in REGISTRATION}),
    ("Amazon Redshift", REDSHIFT_PARAMETERS),
    ("Amazon RDS for PostgreSQL", RDS_PARAMETERS),
    ("SQL worker and sample dataset", {**SQLWORKER_PARAMETERS, **DATASET_PARAMETERS}),
    ("Access and DNS (optional)", {"KeyPairName": KEY_PAIR_PARAMETER, "HostedZoneName": HOSTED_ZONE_PARAMETER}),
]
LABELS = {
    "TableauServerInboundCIDR": "Tableau Server inbound CIDR",
    **TABLEAU_LABELS,
    **REDSHIFT_LABELS,
    **RDS_LABELS,
    **SQLWORKER_LABELS,
    **DATASET_LABELS,
    "KeyPairName": "Key pair (optional)",
    "HostedZoneName": "Hosted zone name (optional)",
}
# Outputs of modern-dw-workload that modern-dw repeats.
ENTRY_OUTPUTS = {
    "TableauServerURL": "Tableau Server, from TableauServerInboundCIDR",
    "TsmURL": "Tableau Services Manager (sign in as ContentAdminUser)",
    "TableauServerPrivateName": "Private name of Tableau Server",
    "SqlWorkerPrivateName": "Private name of the SQL worker",
    "RedshiftPrivateName": "Private name of the Redshift cluster",
    "RDSPrivateName": "Private name of the PostgreSQL instance",
    "RedshiftSecretArn": "Secret with the Redshift master user name and password",
    "RDSSecretArn": "Secret with the PostgreSQL master user name and password",
    "SqlWorkerInstanceId": "SQL worker instance: connect with Session Manager",
    "TableauServerInstanceId": "Tableau Server instance: connect with Session Manager or Fleet Manager",
}


def add_workload_parameters(t: Template) -> list[tuple[str, list[Parameter]]]:
    """Declare the deployment parameters of the workload; return them as console groups."""
    return [
        (label, [t.add_parameter(Parameter(name, **spec)) for name, spec in specs.items()])
        for label, specs in PARAMETER_GROUPS
    ]


def add_workload_rules(t: Template) -> None:
    """Reject what the parameter constraints cannot: a world-open Tableau, a single big node."""
    t.add_rule(
        "TableauServerNotOpenToTheWorld",
        {
            "Assertions": [
                {
                    "Assert": Not(Equals(Ref("TableauServerInboundCIDR"), "0.0.0.0/0")),
                    "AssertDescription": "TableauServerInboundCIDR must be narrower than 0.0.0.0/0",
                }
            ]
        },
    )
    node_count_rule(t)


def workload_parameter_names() -> list[str]:
    return [name for _, specs in PARAMETER_GROUPS for name in specs]


@register
def build() -> Template:
    t = Template(
        Description="Modern data warehouse in an existing VPC: Amazon Redshift, RDS for PostgreSQL 16, "
        "a SQL worker that loads a sample and Tableau Server, as nested stacks"
    )
    location = nested.location_parameters(t)
    network = {
        name: t.add_parameter(Parameter(name, Type=kind, Description=description))
        for name, kind, description in [
            ("VPCID", "AWS::EC2::VPC::Id", "Existing VPC"),
            ("PublicSubnet1ID", "AWS::EC2::Subnet::Id", "Public subnet for Tableau Server"),
            ("PrivateSubnet1ID", "AWS::EC2::Subnet::Id", "Private subnet (with NAT) in the first AZ"),
            ("PrivateSubnet2ID", "AWS::EC2::Subnet::Id", "Private subnet (with NAT) in the second AZ"),
        ]
    }
    groups = add_workload_parameters(t)
    interface(
        t,
        [
            ("Existing VPC", list(network.values())),
            *groups,
            ("Template location", location),
        ],
        labels={
            **LABELS,
            "VPCID": "VPC",
            "PublicSubnet1ID": "Public subnet",
            "PrivateSubnet1ID": "Private subnet 1",
            "PrivateSubnet2ID": "Private subnet 2",
        },
    )
    add_workload_rules(t)
    t.add_condition("HasHostedZone", Not(Equals(Ref("HostedZoneName"), "")))

    sql_worker_group = SecurityGroup(
        "SqlWorkerSecurityGroup",
        GroupDescription="SQL worker: no inbound traffic (Session Manager)",
        VpcId=Ref(network["VPCID"]),
    )
    tableau_group = SecurityGroup(
        "TableauServerSecurityGroup",
        GroupDescription="Tableau Server: 80, 443 and 8850 from TableauServerInboundCIDR only",
        VpcId=Ref(network["VPCID"]),
        SecurityGroupIngress=[
            SecurityGroupRule(
                IpProtocol="tcp",
                FromPort=port,
                ToPort=port,
                CidrIp=Ref("TableauServerInboundCIDR"),
                Description=description,
            )
            for port, description in TABLEAU_PORTS
        ],
    )
    for group in (sql_worker_group, tableau_group):
        t.add_resource(group)
    clients = {
        "SqlWorkerSecurityGroupId": GetAtt(sql_worker_group, "GroupId"),
        "TableauServerSecurityGroupId": GetAtt(tableau_group, "GroupId"),
    }

    def refs(names) -> dict:
        return {name: Ref(name) for name in names}

    iam = nested.child_stack(t, "IamStack", "modern-dw-iam", parameters=refs(DATASET_PARAMETERS))
    key = GetAtt(iam, "Outputs.KmsKeyArn")
    private = refs(["VPCID", "PrivateSubnet1ID", "PrivateSubnet2ID"])
    redshift = nested.child_stack(
        t,
        "RedshiftStack",
        "modern-dw-redshift",
        parameters={
            **private,
            **clients,
            **refs(REDSHIFT_PARAMETERS),
            "KmsKeyArn": key,
            "RedshiftRoleArn": GetAtt(iam, "Outputs.RedshiftRoleArn"),
        },
    )
    rds = nested.child_stack(
        t,
        "RDSStack",
        "modern-dw-rds",
        parameters={
            **private,
            **clients,
            **refs(RDS_PARAMETERS),
            "KmsKeyArn": key,
            "MonitoringRoleArn": GetAtt(iam, "Outputs.RDSMonitoringRoleArn"),
        },
    )
    sql_worker = nested.child_stack(
        t,
        "SqlWorkerStack",
        "modern-dw-sqlworker",
        parameters={
            **refs(SQLWORKER_PARAMETERS),
            **refs(DATASET_PARAMETERS),
            **refs(["KeyPairName", "RedshiftDatabaseName", "RDSDatabaseName"]),
            "RedshiftEndpointAddress": GetAtt(redshift, "Outputs.EndpointAddress"),
            "RedshiftEndpointPort": GetAtt(redshift, "Outputs.EndpointPort"),
            "RedshiftSecretArn": GetAtt(redshift, "Outputs.SecretArn"),
            "RedshiftRoleArn": GetAtt(iam, "Outputs.RedshiftRoleArn"),
            "RDSEndpointAddress": GetAtt(rds, "Outputs.EndpointAddress"),
            "RDSEndpointPort": GetAtt(rds, "Outputs.EndpointPort"),
            "RDSSecretArn": GetAtt(rds, "Outputs.SecretArn"),
            "SubnetId": Ref(network["PrivateSubnet1ID"]),
            "SecurityGroupId": clients["SqlWorkerSecurityGroupId"],
            "KmsKeyArn": key,
        },
    )
    tableau = nested.child_stack(
        t,
        "TableauServerStack",
        "modern-dw-tableau",
        parameters={
            **refs(TABLEAU_PARAMETERS),
            "KeyPairName": Ref("KeyPairName"),
            "SubnetId": Ref(network["PublicSubnet1ID"]),
            "SecurityGroupId": clients["TableauServerSecurityGroupId"],
            "KmsKeyArn": key,
        },
    )
    dns = nested.child_stack(
        t,
        "DnsStack",
        "modern-dw-dns",
        condition="HasHostedZone",
        parameters={
            "HostedZoneName": Ref("HostedZoneName"),
            "TableauServerPrivateIp": GetAtt(tableau, "Outputs.PrivateIp"),
            "SqlWorkerPrivateIp": GetAtt(sql_worker, "Outputs.PrivateIp"),
            "RedshiftEndpointAddress": GetAtt(redshift, "Outputs.EndpointAddress"),
            "RDSEndpointAddress": GetAtt(rds, "Outputs.EndpointAddress"),
        },
    )

    def private_name(output: str, stack, fallback: str):
        """The Route 53 name when a zone is given, else the AWS-assigned name."""
        return If("HasHostedZone", GetAtt(dns, f"Outputs.{output}"), GetAtt(stack, f"Outputs.{fallback}"))

    values = {
        "TableauServerURL": GetAtt(tableau, "Outputs.TableauServerURL"),
        "TsmURL": GetAtt(tableau, "Outputs.TsmURL"),
        "TableauServerPrivateName": private_name("TableauServerPrivateName", tableau, "PrivateDnsName"),
        "SqlWorkerPrivateName": private_name("SqlWorkerPrivateName", sql_worker, "PrivateDnsName"),
        "RedshiftPrivateName": private_name("RedshiftPrivateName", redshift, "EndpointAddress"),
        "RDSPrivateName": private_name("RDSPrivateName", rds, "EndpointAddress"),
        "RedshiftSecretArn": GetAtt(redshift, "Outputs.SecretArn"),
        "RDSSecretArn": GetAtt(rds, "Outputs.SecretArn"),
        "SqlWorkerInstanceId": GetAtt(sql_worker, "Outputs.InstanceId"),
        "TableauServerInstanceId": GetAtt(tableau, "Outputs.InstanceId"),
    }
    for name, description in ENTRY_OUTPUTS.items():
        t.add_output(Output(name, Description=description, Value=values[name]))
    return t
