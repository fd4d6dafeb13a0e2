"""A private Ethereum proof-of-work network, on Amazon ECS or on one EC2 instance.

The root of the Ethereum tree, from the blog post "Get Started with Blockchain
Using the new AWS Blockchain Templates": `ethereum-network` -> `ethereum-common`
-> `ethereum-ecs` (ContainerPlatform ecs) or `ethereum-docker-local`
(docker-local) -> `ethereum-autoscalegroup`. Publish the tree with
`cfn-catalog publish` and point `TemplateBucketName`, `TemplateKeyPrefix` and
`TemplateBucketRegion` at it.

You bring the VPC (private subnets with a NAT gateway), the security groups
and, optionally, an instance profile. The network mines with geth 1.11, the
last release that supports proof of work; every node builds the same genesis
block from the parameters. `EthStatsSecret` has no default and is kept in
Secrets Manager. On ecs the URLs are those of an internal load balancer
(reach them from inside the VPC); on docker-local the outputs explain how to
reach the instance through Session Manager port forwarding.
"""

from troposphere import GetAtt, Not, Output, Ref, Template

from cfn_catalog.blocks import ethereum as eth
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.blocks.nested import child_stack, location_parameters, pass_location
from cfn_catalog.registry import register
from cfn_catalog.templates.ethereum_common import URL_OUTPUTS


@register
def build() -> Template:
    t = Template(
        Description="Private Ethereum proof-of-work network with EthStats and an explorer, on Amazon ECS or one "
        "EC2 instance with Docker (root of the ethereum-network tree)"
    )
    params = eth.add_parameters(t, eth.NETWORK_PARAMETERS)
    location_parameters(t)
    interface(t, eth.interface_groups(t), labels=eth.labels(t))
    t.add_rule(
        "PrivateNetworkId",
        {
            "Assertions": [
                {
                    "Assert": Not({"Fn::Contains": [["1", "2", "3", "4"], Ref(params["NetworkID"])]}),
                    "AssertDescription": "NetworkID 1 to 4 belong to public networks: choose another",
                }
            ]
        },
    )
    t.add_rule(
        "SubnetsInTheVpc",
        {
            "Assertions": [
                {
                    "Assert": {
                        "Fn::EachMemberEquals": [
                            {"Fn::ValueOfAll": ["AWS::EC2::Subnet::Id", "VpcId"]},
                            Ref(params["VPCID"]),
                        ]
                    },
                    "AssertDescription": "NetworkSubnetIDs and ALBSubnetIDs must be subnets of VPCID",
                }
            ]
        },
    )
    child_stack(
        t,
        "CommonStack",
        "ethereum-common",
        parameters={**eth.passed(t, eth.NETWORK_PARAMETERS), **pass_location()},
    )
    for name, description in URL_OUTPUTS.items():
        t.add_output(Output(name, Description=description, Value=GetAtt("CommonStack", f"Outputs.{name}")))
    t.add_output(
        Output(
            "EthStatsSecretArn",
            Description="Secret holding the EthStats shared secret",
            Value=GetAtt("CommonStack", "Outputs.EthStatsSecretArn"),
        )
    )
    return t
