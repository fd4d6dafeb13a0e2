"""Management VPC of the CJIS reference environment (child of `cjis-reference`).

The side of the environment meant for administration and shared tooling
(monitoring, patching, directory services): a VPC over two Availability
Zones with public, private application and private data subnets (one /20 of
the /16 each), a NAT gateway per zone, an S3 gateway endpoint, VPC flow logs
of all traffic into a KMS-encrypted log group, and a network ACL on the data
subnets that admits only the application subnets on the database port.

There is no bastion host: administrators reach instances through Systems
Manager Session Manager, so no subnet needs SSH or RDP open. The production
VPC (`cjis-production-vpc`) peers with this one and adds the routes on both
sides to the application and data tiers only.
"""

from troposphere import Template

from cfn_catalog.blocks.cjis_environment import tiered_vpc
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register

LABELS = {
    "EnvironmentName": "Environment name",
    "VpcCidr": "VPC CIDR (/16)",
    "DatabasePort": "Database port",
    "LogKmsKeyArn": "Log KMS key ARN",
    "FlowLogRetentionDays": "Flow log retention (days)",
}


@register
def build() -> Template:
    t = Template(
        Description="CJIS reference environment - management VPC: public, application and data subnets over two "
        "AZs, NAT per AZ, data-tier network ACL, encrypted VPC flow logs"
    )
    _, (environment, cidr, port, key, retention) = tiered_vpc(t, role="management", default_cidr="10.10.0.0/16")
    interface(
        t,
        [("Environment", [environment]), ("Network", [cidr, port]), ("Flow logs", [key, retention])],
        labels=LABELS,
    )
    return t
