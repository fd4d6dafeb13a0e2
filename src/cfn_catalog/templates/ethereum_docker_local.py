"""The Ethereum network on one EC2 instance, in Docker (`ContainerPlatform` docker-local).

Nested by `ethereum-common`; the cheaper way to try a private network. One
Amazon Linux 2023 instance (through `ethereum-autoscalegroup`, so it is
replaced if it fails) installs Docker at boot, writes the genesis block from
the network parameters and runs a geth node that mines and serves JSON-RPC on
port 8545, the EthStats dashboard on port 80 and the explorer on port 8080.
The EthStats secret is read from Secrets Manager at boot, never put in the
user data.

Nothing listens on a load balancer: reach the ports through Session Manager
port forwarding (or open them in `EC2SecurityGroup` to your clients only).
Without `EC2InstanceProfileArn`, the stack creates an instance profile allowed
Session Manager and reading that one secret; a profile of your own needs both.
"""

from awacs.aws import Allow, Statement
from awacs.secretsmanager import GetSecretValue
from troposphere import Equals, GetAtt, If, Output, Ref, Sub, Template

from cfn_catalog.blocks import ethereum as eth
from cfn_catalog.blocks.ec2 import AMAZON_LINUX_2023_X86, ssm_instance_role
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.blocks.nested import child_stack, join_list, location_parameters
from cfn_catalog.registry import register

# What the boot script reads besides the network settings (each value is one shell word).
BOOT_SETTINGS = {
    "RUN_STATS": "${RunEthStats}",
    "RUN_EXPLORER": "${RunEthExplorer}",
    "SECRET_ARN": "${EthStatsSecretArn}",
    "REGION": "${AWS::Region}",
    "GETH_IMAGE": "${EthereumDockerImage}",
    "STATS_IMAGE": "${EthStatsDockerImage}",
    "EXPLORER_IMAGE": "${EthExplorerDockerImage}",
}
FORWARD = (
    "aws ssm start-session --target <instance id> --document-name AWS-StartPortForwardingSession "
    "--parameters portNumber={port},localPortNumber={local}"
)


def boot_script() -> str:
    """What the instance runs after the BootEnvironment settings: the genesis function, then the boot."""
    return eth.script("ethereum_genesis") + eth.script("ethereum_boot")


@register
def build() -> Template:
    t = Template(
        Description="Private Ethereum network on one EC2 instance in Docker: a mining geth node, EthStats and "
        "the explorer (nested by ethereum-common)"
    )
    params = eth.add_parameters(t, eth.DOCKER_LOCAL_PARAMETERS)
    location_parameters(t)
    interface(t, eth.interface_groups(t), labels=eth.labels(t))
    eth.add_verbosity_mapping(t)
    t.add_condition("CreateInstanceProfile", Equals(Ref(params["EC2InstanceProfileArn"]), ""))
    t.add_condition("RunEthStats", Equals(Ref(params["RunEthStats"]), "true"))
    t.add_condition("RunEthExplorer", Equals(Ref(params["RunEthExplorer"]), "true"))

    role, profile = ssm_instance_role(
        t,
        "Host",
        statements=[
            Statement(Effect=Allow, Action=[GetSecretValue], Resource=[Ref(params["EthStatsSecretArn"])]),
        ],
    )
    role.Condition = profile.Condition = "CreateInstanceProfile"

    child_stack(
        t,
        "HostStack",
        "ethereum-autoscalegroup",
        parameters={
            "InstanceName": Ref("AWS::StackName"),
            "ImageId": AMAZON_LINUX_2023_X86,
            "InstanceType": Ref(params["EC2InstanceType"]),
            "DesiredCapacity": "1",
            "SubnetIds": join_list(params["NetworkSubnetIDs"]),
            "SecurityGroupId": Ref(params["EC2SecurityGroup"]),
            "InstanceProfileArn": If(
                "CreateInstanceProfile", GetAtt(profile, "Arn"), Ref(params["EC2InstanceProfileArn"])
            ),
            "KeyPairName": Ref(params["EC2KeyPairName"]),
            "BootEnvironment": eth.network_settings("\n", BOOT_SETTINGS),
            "BootScript": boot_script(),
        },
    )

    group = "${HostStack.Outputs.AutoScalingGroupName}"
    where = f"on the instance of Auto Scaling group {group}; from your machine run "
    t.add_output(
        Output(
            "EthJsonRPCURL",
            Description="How to reach geth's JSON-RPC",
            Value=Sub(
                f"docker-local: JSON-RPC listens on port 8545 {where}"
                f"{FORWARD.format(port=8545, local=8545)} and use http://localhost:8545"
            ),
        )
    )
    t.add_output(
        Output(
            "EthStatsURL",
            Description="How to reach the EthStats dashboard",
            Value=If(
                "RunEthStats",
                Sub(
                    f"docker-local: EthStats listens on port 80 {where}"
                    f"{FORWARD.format(port=80, local=8000)} and open http://localhost:8000"
                ),
                "EthStats is not deployed (RunEthStats is false)",
            ),
        )
    )
    t.add_output(
        Output(
            "EthExplorerURL",
            Description="How to reach the explorer",
            Value=If(
                "RunEthExplorer",
                Sub(
                    f"docker-local: the explorer listens on port 8080 {where}"
                    f"{FORWARD.format(port=8080, local=8080)}, forward port 8545 as well (your browser calls "
                    "JSON-RPC at http://localhost:8545) and open http://localhost:8080"
                ),
                "The explorer is not deployed (RunEthExplorer is false)",
            ),
        )
    )
    t.add_output(
        Output(
            "AutoScalingGroupName",
            Description="Auto Scaling group of the instance",
            Value=GetAtt("HostStack", "Outputs.AutoScalingGroupName"),
        )
    )
    return t
