"""Modern data warehouse in a new VPC: Amazon Redshift, Amazon RDS for PostgreSQL and Tableau Server.

Entry point of the AWS blog post "Deploy a Data Warehouse Quickly with Amazon
Redshift, Amazon RDS for PostgreSQL and Tableau Server" (the Tableau AWS Data
Quick Start). It creates a VPC over two Availability Zones (a public and a
private subnet in each, a NAT gateway per AZ, an S3 gateway endpoint for
Redshift's enhanced VPC routing, flow logs) and deploys `modern-dw-workload`
into it, which creates the Redshift cluster, the PostgreSQL 16 instance, the
SQL worker that loads the TICKIT sample into both, Tableau Server and, when
HostedZoneName is set, private Route 53 names. Use `modern-dw-workload`
directly to deploy into a VPC you already have.

Publish the whole tree first (`cfn-catalog publish modern-dw`) and point
TemplateBucketName/TemplateKeyPrefix/TemplateBucketRegion at it. The stack
needs CAPABILITY_IAM.

Nothing listens to the internet except Tableau Server, and only for
TableauServerInboundCIDR: there is no bastion or Remote Desktop Gateway as in
the original; connect to the SQL worker and Tableau Server with AWS Systems
Manager Session Manager (see the instance ids in the outputs). The Redshift
and PostgreSQL master passwords are generated and kept in AWS Secrets Manager
(secret ARNs in the outputs); the Tableau administrator password is NoEcho.
Deleting the stack keeps final snapshots of both databases (turn
RDSDeletionProtection off first) and the KMS key.
"""

from troposphere import GetAtt, Output, Parameter, Ref, Template

from cfn_catalog.blocks import nested
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.blocks.vpc import vpc
from cfn_catalog.registry import register
from cfn_catalog.templates.modern_dw_workload import (
    ENTRY_OUTPUTS,
    LABELS,
    add_workload_parameters,
    add_workload_rules,
    workload_parameter_names,
)

CIDR_PATTERN = r"^(\d{1,3}\.){3}\d{1,3}/(1[6-9]|2[0-8])$"
NETWORK = [
    ("VPCCIDR", "10.0.0.0/16", "CIDR block of the new VPC", "VPC CIDR"),
    ("PublicSubnet1CIDR", "10.0.128.0/20", "Public subnet in the first AZ (Tableau Server, NAT)", "Public subnet 1"),
    ("PublicSubnet2CIDR", "10.0.144.0/20", "Public subnet in the second AZ (NAT)", "Public subnet 2"),
    ("PrivateSubnet1CIDR", "10.0.0.0/19", "Private subnet in the first AZ", "Private subnet 1"),
    ("PrivateSubnet2CIDR", "10.0.32.0/19", "Private subnet in the second AZ", "Private subnet 2"),
]


@register
def build() -> Template:
    t = Template(
        Description="Modern data warehouse in a new two-AZ VPC: Amazon Redshift, RDS for PostgreSQL 16, "
        "a sample-loading SQL worker and Tableau Server (nested stacks)"
    )
    location = nested.location_parameters(t)
    cidrs = {
        name: t.add_parameter(
            Parameter(
                name,
                Type="String",
                Default=default,
                AllowedPattern=CIDR_PATTERN,
                ConstraintDescription="a CIDR block from /16 to /28",
                Description=description,
            )
        )
        for name, default, description, _ in NETWORK
    }
    groups = add_workload_parameters(t)
    interface(
        t,
        [("New VPC", list(cidrs.values())), *groups, ("Template location", location)],
        labels={**LABELS, **{name: label for name, _, _, label in NETWORK}},
    )
    add_workload_rules(t)

    network = vpc(
        t,
        cidr=Ref(cidrs["VPCCIDR"]),
        public_cidrs=[Ref(cidrs["PublicSubnet1CIDR"]), Ref(cidrs["PublicSubnet2CIDR"])],
        private_cidrs=[Ref(cidrs["PrivateSubnet1CIDR"]), Ref(cidrs["PrivateSubnet2CIDR"])],
        nat="per-az",
        gateway_endpoints=["s3"],
    )
    # The instances install software and Redshift copies the sample as soon as they exist:
    # wait for every route, not only for the subnets.
    routes = [resource.title for resource in network.routing]
    workload = nested.child_stack(
        t,
        "WorkloadStack",
        "modern-dw-workload",
        depends_on=routes,
        parameters={
            **nested.pass_location(),
            **{name: Ref(name) for name in workload_parameter_names()},
            "VPCID": Ref(network.vpc),
            "PublicSubnet1ID": Ref(network.public_subnets[0]),
            "PrivateSubnet1ID": Ref(network.private_subnets[0]),
            "PrivateSubnet2ID": Ref(network.private_subnets[1]),
        },
    )

    t.add_output(Output("VPCID", Description="The new VPC", Value=Ref(network.vpc)))
    for name, description in ENTRY_OUTPUTS.items():
        t.add_output(Output(name, Description=description, Value=GetAtt(workload, f"Outputs.{name}")))
    return t
