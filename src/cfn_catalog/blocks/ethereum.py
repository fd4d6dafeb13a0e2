"""Shared pieces of the Ethereum network tree.

The root, `ethereum-common` and the two platform stacks declare the same
parameters, spelled here once, so that a name, a constraint or a default
cannot drift between a parent and the child it passes the value to.
"""

from __future__ import annotations

from collections.abc import Iterable

from troposphere import FindInMap, Parameter, Ref, Sub, Template

from cfn_catalog import functions
from cfn_catalog.blocks.ec2 import OPTIONAL_KEY_PAIR_PATTERN
from cfn_catalog.blocks.nested import join_list

# Current x86_64 families (the ECS-optimized and Amazon Linux 2023 AMIs used here are x86_64).
INSTANCE_TYPES = [
    "t3.medium",
    "t3.large",
    "t3.xlarge",
    "m6i.large",
    "m6i.xlarge",
    "m6i.2xlarge",
    "m7i.large",
    "m7i.xlarge",
    "c6i.large",
    "c6i.xlarge",
    "c7i.large",
    "c7i.xlarge",
    "r6i.large",
    "r6i.xlarge",
]
# geth 1.11 is the last release that mines a proof-of-work chain.
GETH_IMAGE = "ethereum/client-go:v1.11.6"
ETHSTATS_IMAGE = "ethereumex/eth-stats-dashboard:v0.0.1"
EXPLORER_IMAGE = "alethio/ethereum-lite-explorer:v1.0.0-beta.10"
AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.27.26"

# geth's --verbosity for each log level the template offers.
VERBOSITY = {"fatal": "0", "error": "1", "warn": "2", "info": "3", "debug": "4", "trace": "5"}

ADDRESS = r"0x[0-9a-fA-F]{40}"
IMAGE_PATTERN = r"^[a-z0-9][A-Za-z0-9._/:@-]{0,254}$"
IMAGE_CONSTRAINT = "a container image reference such as registry/repository:tag"
IMAGE = {"Type": "String", "AllowedPattern": IMAGE_PATTERN, "ConstraintDescription": IMAGE_CONSTRAINT}
BOOLEAN = {"Type": "String", "AllowedValues": ["true", "false"], "Default": "true"}

PARAMETERS: dict[str, dict] = {
    "VPCID": {"Type": "AWS::EC2::VPC::Id", "Description": "VPC of the network"},
    "NetworkSubnetIDs": {
        "Type": "List<AWS::EC2::Subnet::Id>",
        "Description": "Subnets of the instances and geth tasks: private, with a NAT gateway or VPC endpoints",
    },
    "ALBSubnetIDs": {
        "Type": "List<AWS::EC2::Subnet::Id>",
        "Description": "Two or more subnets in different Availability Zones for the internal load balancer (ecs)",
    },
    "NumberOfEthereumClients": {
        "Type": "Number",
        "Default": 2,
        "MinValue": 1,
        "MaxValue": 20,
        "Description": "geth nodes serving JSON-RPC behind the load balancer (ecs only)",
    },
    "NumberOfEthereumMiners": {
        "Type": "Number",
        "Default": 1,
        "MinValue": 0,
        "MaxValue": 20,
        "Description": "Mining geth nodes (ecs only; docker-local runs one node that mines and serves JSON-RPC)",
    },
    "InitialAccountAddresses": {
        "Type": "String",
        "AllowedPattern": rf"^{ADDRESS}(,{ADDRESS}){{0,19}}$",
        "ConstraintDescription": "1 to 20 comma-separated addresses, each 0x and 40 hexadecimal digits, no spaces",
        "Description": "Accounts funded in the genesis block, comma-separated (0x and 40 hex digits each)",
    },
    "InitialAccountBalance": {
        "Type": "String",
        "Default": "1000000000000000000000000",
        "AllowedPattern": r"^[1-9][0-9]{0,39}$",
        "ConstraintDescription": "a positive whole number of wei, up to 40 digits",
        "Description": "Genesis balance of each initial account, in wei (1 ether = 10^18 wei)",
    },
    "MinerAccountAddress": {
        "Type": "String",
        "AllowedPattern": rf"^{ADDRESS}$",
        "ConstraintDescription": "0x followed by 40 hexadecimal digits",
        "Description": "Account that receives the mining rewards",
    },
    "InitialDifficulty": {
        "Type": "String",
        "Default": "0x20000",
        "AllowedPattern": r"^(0x[0-9a-fA-F]{1,16}|[1-9][0-9]{0,18})$",
        "ConstraintDescription": "a positive number, decimal or 0x hexadecimal",
        "Description": "Difficulty of the genesis block (ethash never goes below 0x20000 = 131072)",
    },
    "NetworkID": {
        "Type": "Number",
        "Default": 1234,
        "MinValue": 1,
        "MaxValue": 100000,
        "Description": "Network and chain id; 1 to 4 belong to public networks and are refused",
    },
    "BlockGasLimit": {
        "Type": "Number",
        "Default": 8000000,
        "MinValue": 1000000,
        "MaxValue": 1000000000,
        "Description": "Gas limit the miners steer blocks towards",
    },
    "InitialBlockGasLimit": {
        "Type": "Number",
        "Default": 8000000,
        "MinValue": 1000000,
        "MaxValue": 1000000000,
        "Description": "Gas limit of the genesis block",
    },
    "GasPriceFloor": {
        "Type": "Number",
        "Default": 0,
        "MinValue": 0,
        "MaxValue": 1000000000000000,
        "Description": "Lowest gas price, in wei, of a transaction the miners include",
    },
    "EthereumNodeLogLevel": {
        "Type": "String",
        "Default": "info",
        "AllowedValues": ["trace", "debug", "info", "warn", "error", "fatal"],
        "Description": "Log level of the geth nodes",
    },
    "ContainerPlatform": {
        "Type": "String",
        "Default": "ecs",
        "AllowedValues": ["ecs", "docker-local"],
        "Description": "ecs: an ECS cluster behind an internal load balancer; docker-local: one instance with Docker",
    },
    "EC2InstanceType": {
        "Type": "String",
        "Default": "t3.large",
        "AllowedValues": INSTANCE_TYPES,
        "Description": "Instance type; with ecs, each hosts two geth tasks (three on xlarge sizes)",
    },
    "NumberOfEC2Instances": {
        "Type": "Number",
        "Default": 2,
        "MinValue": 1,
        "MaxValue": 20,
        "Description": "ECS container instances (ecs): two geth tasks each (three on xlarge sizes); keep a "
        "slot spare for rolling updates",
    },
    "EC2KeyPairName": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": OPTIONAL_KEY_PAIR_PATTERN,
        "ConstraintDescription": "a key pair name, or empty",
        "Description": "Optional key pair for SSH; leave empty and connect with Session Manager",
    },
    "EC2SecurityGroup": {
        "Type": "AWS::EC2::SecurityGroup::Id",
        "Description": "Group of the instances and geth tasks. ecs: allow TCP 30303 from itself, and TCP 8545 "
        "and 32768-65535 from LoadBalancerSecurityGroup; docker-local: allow 8545, 80 and 8080 only from "
        "your clients, or nothing and use Session Manager port forwarding",
    },
    "LoadBalancerSecurityGroup": {
        "Type": "AWS::EC2::SecurityGroup::Id",
        "Description": "Group of the internal load balancer (ecs only): allow TCP 8545, 80 and 8080 from your "
        "clients and from EC2SecurityGroup (the nodes report to EthStats through the load balancer)",
    },
    "EC2InstanceProfileArn": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": r"^$|^arn:aws[a-z-]*:iam::\d{12}:instance-profile/[\w+=,.@/-]+$",
        "ConstraintDescription": "an instance profile ARN, or empty",
        "Description": "Optional; empty creates a profile with just what the platform needs",
    },
    "ECSRoleForALB": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": r"^$|^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
        "ConstraintDescription": "an IAM role ARN, or empty",
        "Description": "Optional role registering the EthStats and explorer tasks with the load balancer (ecs); "
        "empty uses the ECS service-linked role, as recommended",
    },
    "RunEthStats": {**BOOLEAN, "Description": "Run the EthStats dashboard"},
    "RunEthExplorer": {**BOOLEAN, "Description": "Run the Ethereum explorer"},
    "EthStatsSecret": {
        "Type": "String",
        "NoEcho": True,
        "MinLength": 6,
        "MaxLength": 16,
        "AllowedPattern": r"^[A-Za-z0-9_-]+$",
        "ConstraintDescription": "6 to 16 letters, digits, '_' or '-'",
        "Description": "Shared secret the nodes present to EthStats; stored in Secrets Manager",
    },
    "EthStatsSecretArn": {
        "Type": "String",
        "AllowedPattern": r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$",
        "ConstraintDescription": "a Secrets Manager secret ARN",
        "Description": "Secret holding the EthStats shared secret (created by ethereum-common)",
    },
    "EthereumDockerImage": {
        **IMAGE,
        "Default": GETH_IMAGE,
        "Description": "geth image: 1.11.x, the last release that mines proof of work",
    },
    "EthStatsDockerImage": {
        **IMAGE,
        "Default": ETHSTATS_IMAGE,
        "Description": "EthStats server image (eth-netstats: port 3000, WS_SECRET)",
    },
    "EthExplorerDockerImage": {
        **IMAGE,
        "Default": EXPLORER_IMAGE,
        "Description": "Explorer image (Alethio lite explorer: port 80, APP_NODE_URL)",
    },
    "PeerDiscoveryDockerImage": {
        **IMAGE,
        "Default": AWS_CLI_IMAGE,
        "Description": "AWS CLI image of the peer-discovery container beside each node (ecs)",
    },
}

LABELS = {
    "VPCID": "VPC",
    "NetworkSubnetIDs": "Network subnets",
    "ALBSubnetIDs": "Load balancer subnets",
    "NumberOfEthereumClients": "Clients",
    "NumberOfEthereumMiners": "Miners",
    "InitialAccountAddresses": "Initial accounts",
    "InitialAccountBalance": "Initial balance (wei)",
    "MinerAccountAddress": "Miner account",
    "InitialDifficulty": "Initial difficulty",
    "NetworkID": "Network id",
    "BlockGasLimit": "Block gas limit",
    "InitialBlockGasLimit": "Genesis gas limit",
    "GasPriceFloor": "Gas price floor (wei)",
    "EthereumNodeLogLevel": "Node log level",
    "ContainerPlatform": "Container platform",
    "EC2InstanceType": "Instance type",
    "NumberOfEC2Instances": "Instances",
    "EC2KeyPairName": "Key pair (optional)",
    "EC2SecurityGroup": "Instance security group",
    "LoadBalancerSecurityGroup": "Load balancer security group",
    "EC2InstanceProfileArn": "Instance profile ARN (optional)",
    "ECSRoleForALB": "ECS role for the load balancer (optional)",
    "RunEthStats": "Run EthStats",
    "RunEthExplorer": "Run the explorer",
    "EthStatsSecret": "EthStats secret",
    "EthStatsSecretArn": "EthStats secret ARN",
    "EthereumDockerImage": "geth image",
    "EthStatsDockerImage": "EthStats image",
    "EthExplorerDockerImage": "Explorer image",
    "PeerDiscoveryDockerImage": "Peer discovery image",
    "TemplateBucketName": "Template bucket",
    "TemplateKeyPrefix": "Template key prefix",
    "TemplateBucketRegion": "Template bucket region",
}

# Console groups, in the order the issue lists them; a template shows the members it declares.
GROUPS = [
    ("Ethereum network", ["NetworkID", "GasPriceFloor", "EthereumNodeLogLevel", "BlockGasLimit"]),
    (
        "Private network",
        [
            "InitialAccountAddresses",
            "InitialAccountBalance",
            "MinerAccountAddress",
            "InitialDifficulty",
            "InitialBlockGasLimit",
            "EthereumDockerImage",
        ],
    ),
    ("Platform", ["ContainerPlatform", "EC2InstanceType"]),
    ("VPC network", ["VPCID", "NetworkSubnetIDs", "ALBSubnetIDs"]),
    (
        "Security",
        ["EC2KeyPairName", "EC2SecurityGroup", "LoadBalancerSecurityGroup", "EC2InstanceProfileArn", "ECSRoleForALB"],
    ),
    (
        "ECS cluster",
        ["NumberOfEC2Instances", "NumberOfEthereumClients", "NumberOfEthereumMiners", "PeerDiscoveryDockerImage"],
    ),
    ("EthStats", ["RunEthStats", "EthStatsSecret", "EthStatsSecretArn", "EthStatsDockerImage"]),
    ("EthExplorer", ["RunEthExplorer", "EthExplorerDockerImage"]),
    ("Template location", ["TemplateBucketName", "TemplateKeyPrefix", "TemplateBucketRegion"]),
]

# What each platform stack declares (and its parent passes down), besides the template location.
COMMON_PLATFORM = [
    "NetworkSubnetIDs",
    "InitialAccountAddresses",
    "InitialAccountBalance",
    "MinerAccountAddress",
    "InitialDifficulty",
    "NetworkID",
    "BlockGasLimit",
    "InitialBlockGasLimit",
    "GasPriceFloor",
    "EthereumNodeLogLevel",
    "EC2InstanceType",
    "EC2KeyPairName",
    "EC2SecurityGroup",
    "EC2InstanceProfileArn",
    "RunEthStats",
    "RunEthExplorer",
    "EthStatsSecretArn",
    "EthereumDockerImage",
    "EthStatsDockerImage",
    "EthExplorerDockerImage",
]
ECS_ONLY = [
    "VPCID",
    "ALBSubnetIDs",
    "NumberOfEthereumClients",
    "NumberOfEthereumMiners",
    "NumberOfEC2Instances",
    "LoadBalancerSecurityGroup",
    "ECSRoleForALB",
    "PeerDiscoveryDockerImage",
]
ECS_PARAMETERS = COMMON_PLATFORM + ECS_ONLY
DOCKER_LOCAL_PARAMETERS = COMMON_PLATFORM
# The root and ethereum-common take everything a user chooses: the platform stacks' parameters
# (but the secret itself instead of its ARN) and the platform.
NETWORK_PARAMETERS = [name for name in ECS_PARAMETERS if name != "EthStatsSecretArn"] + [
    "ContainerPlatform",
    "EthStatsSecret",
]


def add_parameters(t: Template, names: Iterable[str]) -> dict[str, Parameter]:
    """Declare the named parameters, in the order of PARAMETERS."""
    wanted = set(names)
    unknown = wanted - set(PARAMETERS)
    if unknown:
        raise KeyError(f"unknown Ethereum parameters: {sorted(unknown)}")
    return {name: t.add_parameter(Parameter(name, **spec)) for name, spec in PARAMETERS.items() if name in wanted}


def interface_groups(t: Template) -> list[tuple[str, list[Parameter]]]:
    """The console groups of the parameters `t` declares, empty groups left out."""
    groups = []
    for label, names in GROUPS:
        members = [t.parameters[name] for name in names if name in t.parameters]
        if members:
            groups.append((label, members))
    return groups


def labels(t: Template) -> dict[str, str]:
    return {name: label for name, label in LABELS.items() if name in t.parameters}


def passed(t: Template, names: Iterable[str]) -> dict[str, object]:
    """Values for a child's parameters of the same names: Refs, with list parameters joined."""
    result: dict[str, object] = {}
    for name in names:
        parameter = t.parameters[name]
        result[name] = join_list(parameter) if parameter.Type.startswith("List<") else Ref(parameter)
    return result


def add_verbosity_mapping(t: Template) -> None:
    t.add_mapping("LogLevel", {level: {"Verbosity": value} for level, value in VERBOSITY.items()})


# The network's settings as the node scripts read them (every value is constrained to a single word).
NETWORK_SETTINGS = {
    "NETWORK_ID": "${NetworkID}",
    "DIFFICULTY": "${InitialDifficulty}",
    "GENESIS_GAS_LIMIT": "${InitialBlockGasLimit}",
    "GAS_LIMIT": "${BlockGasLimit}",
    "GAS_PRICE": "${GasPriceFloor}",
    "ALLOC_ADDRESSES": "${InitialAccountAddresses}",
    "ALLOC_BALANCE": "${InitialAccountBalance}",
    "ETHERBASE": "${MinerAccountAddress}",
    "VERBOSITY": "${Verbosity}",
}


def network_settings(separator: str, extra: dict[str, str] | None = None) -> Sub:
    """`NAME=value` for each network setting (and `extra`), joined by `separator`, as a Sub.

    Needs the LogLevel mapping (add_verbosity_mapping) and the parameters NETWORK_SETTINGS names.
    """
    pairs = {**NETWORK_SETTINGS, **(extra or {})}
    return Sub(
        separator.join(f"{name}={value}" for name, value in pairs.items()),
        Verbosity=FindInMap("LogLevel", Ref("EthereumNodeLogLevel"), "Verbosity"),
    )


def script(name: str, *, comments: bool = True) -> str:
    """The text of `cfn_catalog/functions/<name>.sh`, checked to embed verbatim in a template.

    Without `comments`, full-line comments give way to one line naming the source file: container
    commands are read by nobody, and every byte counts against the template size limit.
    """
    text = functions.read(f"{name}.sh")
    if "${" in text:
        raise ValueError(f"functions/{name}.sh uses '${{': CloudFormation would read it as a reference")
    if not comments:
        lines = [line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#")]
        text = f"# cfn_catalog/functions/{name}.sh\n" + "".join(lines)
    return text
