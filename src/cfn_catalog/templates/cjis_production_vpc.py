"""Production VPC of the CJIS reference environment, peered with the management VPC.

The side of the environment that holds criminal justice information: a VPC
over two Availability Zones with public subnets (internet-facing load
balancer, NAT gateways), private application subnets (web and application
tiers) and private data subnets (the database), one /20 of the /16 each;
VPC flow logs of all traffic into a KMS-encrypted log group; and a network
ACL on the data subnets that admits only the application subnets on the
database port (and lets the replies out to their ephemeral ports).

It also peers with the management VPC (`cjis-management-vpc`, same account
and region, so the peering is accepted at once) and adds routes between the
application and data tiers of both sides. Public subnets get no peering
route: nothing on the internet edge needs to reach management.
"""

from troposphere import Equals, Not, Output, Parameter, Ref, Select, Sub, Tags, Template
from troposphere.ec2 import Route, VPCPeeringConnection

from cfn_catalog.blocks.cjis_environment import CIDR16_PATTERN, tiered_vpc
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.cjis import controls
from cfn_catalog.registry import register

MANAGEMENT_ROUTE_TABLES = 3  # cjis-management-vpc PeeringRouteTableIds: two application, one data
LABELS = {
    "EnvironmentName": "Environment name",
    "VpcCidr": "VPC CIDR (/16)",
    "DatabasePort": "Database port",
    "LogKmsKeyArn": "Log KMS key ARN",
    "FlowLogRetentionDays": "Flow log retention (days)",
    "ManagementVpcId": "Management VPC",
    "ManagementVpcCidr": "Management VPC CIDR",
    "ManagementRouteTableIds": "Management route tables",
}


@register
def build() -> Template:
    t = Template(
        Description="CJIS reference environment - production VPC: public, application and data subnets over two "
        "AZs, data-tier network ACL, encrypted flow logs, peering with the management VPC"
    )
    tiers, (environment, cidr, port, key, retention) = tiered_vpc(t, role="production", default_cidr="10.20.0.0/16")
    peer_vpc = t.add_parameter(
        Parameter(
            "ManagementVpcId",
            Type="AWS::EC2::VPC::Id",
            Description="Management VPC to peer with (cjis-management-vpc output VpcId)",
        )
    )
    peer_cidr = t.add_parameter(
        Parameter(
            "ManagementVpcCidr",
            Type="String",
            Default="10.10.0.0/16",
            AllowedPattern=CIDR16_PATTERN,
            ConstraintDescription="a private /16 such as 10.10.0.0/16",
            Description="CIDR block of the management VPC; must not overlap VpcCidr",
        )
    )
    peer_tables = t.add_parameter(
        Parameter(
            "ManagementRouteTableIds",
            Type="CommaDelimitedList",
            Description=f"The {MANAGEMENT_ROUTE_TABLES} management route tables that get a route to this VPC "
            "(cjis-management-vpc output PeeringRouteTableIds)",
        )
    )
    interface(
        t,
        [
            ("Environment", [environment]),
            ("Network", [cidr, port]),
            ("Flow logs", [key, retention]),
            ("Peering with the management VPC", [peer_vpc, peer_cidr, peer_tables]),
        ],
        labels=LABELS,
    )
    t.add_rule(
        "VpcCidrsDiffer",
        {
            "Assertions": [
                {
                    "Assert": Not(Equals(Ref(cidr), Ref(peer_cidr))),
                    "AssertDescription": "VpcCidr and ManagementVpcCidr must differ",
                }
            ]
        },
    )

    peering = controls(
        t.add_resource(
            VPCPeeringConnection(
                "ManagementPeering",
                VpcId=Ref(tiers.network.vpc),
                PeerVpcId=Ref(peer_vpc),
                Tags=Tags(Name=Sub("${EnvironmentName}-production-to-management")),
            )
        ),
        "5.10",
    )
    for table in tiers.peering_route_tables:
        t.add_resource(
            Route(
                f"{table.title}ToManagement",
                RouteTableId=Ref(table),
                DestinationCidrBlock=Ref(peer_cidr),
                VpcPeeringConnectionId=Ref(peering),
            )
        )
    for i in range(MANAGEMENT_ROUTE_TABLES):
        t.add_resource(
            Route(
                f"ManagementRouteTable{i + 1}ToProduction",
                RouteTableId=Select(i, Ref(peer_tables)),
                DestinationCidrBlock=Ref(cidr),
                VpcPeeringConnectionId=Ref(peering),
            )
        )
    t.add_output(Output("PeeringConnectionId", Description="Id of the VPC peering connection", Value=Ref(peering)))
    return t
