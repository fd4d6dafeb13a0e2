"""A Hyperledger Fabric network of three organizations, with Hyperledger Explorer, on one EC2 instance.

The root of the Fabric tree, from the blog post "Get Started with Blockchain
Using the new AWS Blockchain Templates": `hyperledger-fabric` ->
`hyperledger-ec2-standalone`. Publish the tree with `cfn-catalog publish` and
point `TemplateBucketName`, `TemplateKeyPrefix` and `TemplateBucketRegion` at
it. You bring the VPC, a public subnet and a security group; the stack
completes when Explorer answers, and its outputs name the Explorer URL, the
secret with the Explorer password and the instance to connect to with Session
Manager.
"""

from troposphere import GetAtt, Output, Ref, Template

from cfn_catalog.blocks.nested import child_stack, location_parameters
from cfn_catalog.registry import register
from cfn_catalog.templates import hyperledger_ec2_standalone as standalone


@register
def build() -> Template:
    t = Template(
        Description="Hyperledger Fabric network of three organizations with Hyperledger Explorer on one EC2 "
        "instance (root of the hyperledger-fabric tree)"
    )
    names = list(standalone.PARAMETERS)
    params = standalone.add_parameters(t, names[: names.index("NetworkSubnetID")])
    params["VPCID"] = t.add_parameter(
        standalone.Parameter("VPCID", Type="AWS::EC2::VPC::Id", Description="VPC of the instance")
    )
    params.update(standalone.add_parameters(t, names[names.index("NetworkSubnetID") :]))
    location_parameters(t)
    standalone.add_interface(t)
    standalone.add_distinct_organizations_rule(t)
    t.add_rule(
        "SubnetInTheVpc",
        {
            "Assertions": [
                {
                    "Assert": {
                        "Fn::EachMemberEquals": [
                            {"Fn::ValueOfAll": ["AWS::EC2::Subnet::Id", "VpcId"]},
                            Ref(params["VPCID"]),
                        ]
                    },
                    "AssertDescription": "NetworkSubnetID must be a subnet of VPCID",
                }
            ]
        },
    )
    child_stack(
        t,
        "StandaloneStack",
        "hyperledger-ec2-standalone",
        parameters={name: Ref(params[name]) for name in names},
    )
    for name, description in standalone.OUTPUTS.items():
        t.add_output(Output(name, Description=description, Value=GetAtt("StandaloneStack", f"Outputs.{name}")))
    return t
