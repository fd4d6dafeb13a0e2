"""Intent of the blockchain trees (Ethereum and Hyperledger Fabric), asserted on the rendered data."""

import re

import pytest
from conftest import has_properties, resources_of_type

from cfn_catalog import catalog
from cfn_catalog.blocks import ethereum as eth
from cfn_catalog.blocks.ec2 import AMAZON_LINUX_2023_X86, ECS_OPTIMIZED_AL2023_X86
from cfn_catalog.templates import ethereum_docker_local, hyperledger_ec2_standalone

ETHEREUM = ["ethereum-network", "ethereum-common", "ethereum-ecs", "ethereum-docker-local", "ethereum-autoscalegroup"]
FABRIC = ["hyperledger-fabric", "hyperledger-ec2-standalone"]
URLS = {"EthStatsURL", "EthExplorerURL", "EthJsonRPCURL"}
PARAMETER_VALUE_LIMIT = 4096  # bytes of one CloudFormation parameter value
USER_DATA_LIMIT = 16 * 1024


def params(name):
    return catalog.template_dict(name)["Parameters"]


def outputs(name):
    return catalog.template_dict(name)["Outputs"]


def nested(name, logical_id):
    return catalog.resources(name)[logical_id]


def walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


# --------------------------------------------------------------------------- tree shape


def test_ethereum_tree_shape():
    assert catalog.tree("ethereum-network") == [
        "ethereum-network",
        "ethereum-common",
        "ethereum-docker-local",
        "ethereum-autoscalegroup",
        "ethereum-ecs",
    ]
    assert catalog.child_stacks("ethereum-network") == {"CommonStack": "ethereum-common"}
    assert catalog.child_stacks("ethereum-common") == {
        "EcsStack": "ethereum-ecs",
        "DockerLocalStack": "ethereum-docker-local",
    }
    assert catalog.child_stacks("ethereum-ecs") == {"CapacityStack": "ethereum-autoscalegroup"}
    assert catalog.child_stacks("ethereum-docker-local") == {"HostStack": "ethereum-autoscalegroup"}
    assert catalog.children("ethereum-autoscalegroup") == []
    assert sorted(catalog.parents()["ethereum-autoscalegroup"]) == ["ethereum-docker-local", "ethereum-ecs"]


def test_exactly_one_platform_is_nested_by_the_container_platform():
    doc = catalog.template_dict("ethereum-common")
    assert doc["Conditions"]["IsEcs"] == {"Fn::Equals": [{"Ref": "ContainerPlatform"}, "ecs"]}
    assert doc["Conditions"]["IsDockerLocal"] == {"Fn::Equals": [{"Ref": "ContainerPlatform"}, "docker-local"]}
    assert nested("ethereum-common", "EcsStack")["Condition"] == "IsEcs"
    assert nested("ethereum-common", "DockerLocalStack")["Condition"] == "IsDockerLocal"
    assert params("ethereum-network")["ContainerPlatform"]["AllowedValues"] == ["ecs", "docker-local"]
    assert params("ethereum-network")["ContainerPlatform"]["Default"] == "ecs"


def test_fabric_tree_shape():
    assert catalog.tree("hyperledger-fabric") == FABRIC
    assert catalog.child_stacks("hyperledger-fabric") == {"StandaloneStack": "hyperledger-ec2-standalone"}


def test_capabilities_are_computed_over_the_whole_tree():
    # The roots create no IAM resource themselves; their descendants do.
    for root in ("ethereum-network", "hyperledger-fabric"):
        assert catalog.doc_capabilities(catalog.template_dict(root)) == set()
        assert catalog.capabilities(root) == ["CAPABILITY_IAM"]
    assert catalog.doc_capabilities(catalog.template_dict("ethereum-common")) == set()
    assert catalog.doc_capabilities(catalog.template_dict("ethereum-ecs")) == {"CAPABILITY_IAM"}


# --------------------------------------------------------------------------- parameters


def test_root_keeps_the_original_parameter_names_and_constraints():
    p = params("ethereum-network")
    original = {
        "VPCID",
        "NetworkSubnetIDs",
        "ALBSubnetIDs",
        "NumberOfEthereumClients",
        "NumberOfEthereumMiners",
        "InitialAccountAddresses",
        "InitialAccountBalance",
        "MinerAccountAddress",
        "InitialDifficulty",
        "NetworkID",
        "BlockGasLimit",
        "InitialBlockGasLimit",
        "GasPriceFloor",
        "EthereumNodeLogLevel",
        "ContainerPlatform",
        "EC2InstanceType",
        "NumberOfEC2Instances",
        "EC2KeyPairName",
        "EC2SecurityGroup",
        "LoadBalancerSecurityGroup",
        "EC2InstanceProfileArn",
        "ECSRoleForALB",
        "RunEthStats",
        "RunEthExplorer",
        "EthStatsSecret",
    }
    assert original <= set(p)
    assert (p["NumberOfEthereumClients"]["MinValue"], p["NumberOfEthereumClients"]["MaxValue"]) == (1, 20)
    assert p["NumberOfEthereumClients"]["Default"] == 2
    assert (p["NumberOfEthereumMiners"]["MinValue"], p["NumberOfEthereumMiners"]["MaxValue"]) == (0, 20)
    assert (p["NetworkID"]["MinValue"], p["NetworkID"]["MaxValue"], p["NetworkID"]["Default"]) == (1, 100000, 1234)
    for name in ("BlockGasLimit", "InitialBlockGasLimit"):
        assert (p[name]["MinValue"], p[name]["MaxValue"], p[name]["Default"]) == (1000000, 1000000000, 8000000)
    assert p["EthereumNodeLogLevel"]["AllowedValues"] == ["trace", "debug", "info", "warn", "error", "fatal"]
    assert p["ALBSubnetIDs"]["Type"] == p["NetworkSubnetIDs"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    for name in ("RunEthStats", "RunEthExplorer"):
        assert p[name]["AllowedValues"] == ["true", "false"]
    address = re.compile(p["MinerAccountAddress"]["AllowedPattern"])
    assert address.match("0x" + "ab" * 20) and not address.match("0x" + "ab" * 19)
    accounts = re.compile(p["InitialAccountAddresses"]["AllowedPattern"])
    assert accounts.match(",".join(["0x" + "1" * 40, "0x" + "F" * 40]))
    assert not accounts.match("0x" + "1" * 40 + ", 0x" + "2" * 40)


@pytest.mark.parametrize("name", ["ethereum-network", "ethereum-common"])
def test_the_ethstats_secret_is_no_echo_without_a_default(name):
    secret = params(name)["EthStatsSecret"]
    assert secret["NoEcho"] is True
    assert "Default" not in secret
    assert (secret["MinLength"], secret["MaxLength"]) == (6, 16)


def test_the_secret_is_stored_once_and_only_its_arn_travels_further():
    resources = catalog.resources("ethereum-common")
    assert resources["EthStatsSharedSecret"]["Properties"]["SecretString"] == {"Ref": "EthStatsSecret"}
    readers = [
        logical_id
        for logical_id, resource in resources.items()
        if {"Ref": "EthStatsSecret"} in list(walk(resource.get("Properties", {})))
    ]
    assert readers == ["EthStatsSharedSecret"]
    for child in ("EcsStack", "DockerLocalStack"):
        passed = resources[child]["Properties"]["Parameters"]
        assert "EthStatsSecret" not in passed
        assert passed["EthStatsSecretArn"] == {"Ref": "EthStatsSharedSecret"}
    for name in ("ethereum-ecs", "ethereum-docker-local", "ethereum-autoscalegroup"):
        assert "EthStatsSecret" not in params(name)


def test_the_root_refuses_public_network_ids_and_foreign_subnets():
    rules = catalog.template_dict("ethereum-network")["Rules"]
    assertion = rules["PrivateNetworkId"]["Assertions"][0]["Assert"]
    assert assertion == {"Fn::Not": [{"Fn::Contains": [["1", "2", "3", "4"], {"Ref": "NetworkID"}]}]}
    subnets = rules["SubnetsInTheVpc"]["Assertions"][0]["Assert"]
    assert subnets == {
        "Fn::EachMemberEquals": [{"Fn::ValueOfAll": ["AWS::EC2::Subnet::Id", "VpcId"]}, {"Ref": "VPCID"}]
    }


def test_instance_types_are_current_families():
    for name in ("ethereum-network", "ethereum-ecs", "hyperledger-fabric"):
        types = params(name)["EC2InstanceType"]["AllowedValues"]
        assert all(t.split(".")[0] in {"t3", "m6i", "m7i", "c6i", "c7i", "r6i"} for t in types)
        assert params(name)["EC2InstanceType"]["Default"] == "t3.large"


def test_images_are_parameters_with_pinned_defaults_that_still_mine():
    p = params("ethereum-network")
    assert p["EthereumDockerImage"]["Default"] == "ethereum/client-go:v1.11.6"
    for name in ("EthereumDockerImage", "EthStatsDockerImage", "EthExplorerDockerImage", "PeerDiscoveryDockerImage"):
        image = p[name]["Default"]
        assert ":" in image and not image.endswith(":latest"), image
        assert re.match(p[name]["AllowedPattern"], image)


# --------------------------------------------------------------------------- outputs


def test_root_urls_are_resolved_through_the_children():
    root = outputs("ethereum-network")
    assert set(root) >= URLS
    for name in URLS:
        assert root[name]["Value"] == {"Fn::GetAtt": ["CommonStack", f"Outputs.{name}"]}
        assert outputs("ethereum-common")[name]["Value"] == {
            "Fn::If": [
                "IsEcs",
                {"Fn::GetAtt": ["EcsStack", f"Outputs.{name}"]},
                {"Fn::GetAtt": ["DockerLocalStack", f"Outputs.{name}"]},
            ]
        }
        assert name in outputs("ethereum-ecs") and name in outputs("ethereum-docker-local")


def test_urls_say_in_words_when_a_service_is_not_deployed():
    ecs = outputs("ethereum-ecs")
    assert ecs["EthJsonRPCURL"]["Value"] == {"Fn::Sub": "http://${LoadBalancer.DNSName}:8545"}
    assert ecs["EthStatsURL"]["Value"]["Fn::If"][0] == "RunEthStats"
    assert "not deployed" in ecs["EthStatsURL"]["Value"]["Fn::If"][2]
    assert "not deployed" in ecs["EthExplorerURL"]["Value"]["Fn::If"][2]
    assert ecs["EthExplorerURL"]["Value"]["Fn::If"][1] == {"Fn::Sub": "http://${LoadBalancer.DNSName}:8080"}
    local = outputs("ethereum-docker-local")
    assert local["EthJsonRPCURL"]["Value"]["Fn::Sub"].startswith("docker-local: ")
    assert "AWS-StartPortForwardingSession" in local["EthJsonRPCURL"]["Value"]["Fn::Sub"]
    assert "not deployed" in local["EthStatsURL"]["Value"]["Fn::If"][2]
    assert "not deployed" in local["EthExplorerURL"]["Value"]["Fn::If"][2]


def test_fabric_outputs_are_surfaced_by_the_root():
    names = {
        "ExplorerURL",
        "DevDesktopInstanceId",
        "DevDesktopInstancePrivateDnsName",
        "DevDesktopInstancePublicDnsName",
    }
    assert names <= set(outputs("hyperledger-ec2-standalone"))
    for name in names:
        assert outputs("hyperledger-fabric")[name]["Value"] == {"Fn::GetAtt": ["StandaloneStack", f"Outputs.{name}"]}
    assert outputs("hyperledger-ec2-standalone")["ExplorerURL"]["Value"] == {
        "Fn::Sub": "http://${DevDesktopInstance.PublicIp}:8080"
    }


# --------------------------------------------------------------------------- ethereum-ecs


def test_ecs_cluster_peer_table_and_logs():
    resources = catalog.resources("ethereum-ecs")
    assert resources["Cluster"]["Properties"]["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enabled"}]
    table = resources["PeerTable"]["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    for group in resources_of_type("ethereum-ecs", "AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] > 0


def test_internal_load_balancer_listeners_and_their_conditions():
    resources = catalog.resources("ethereum-ecs")
    balancer = resources["LoadBalancer"]["Properties"]
    assert balancer["Scheme"] == "internal"
    assert balancer["Subnets"] == {"Ref": "ALBSubnetIDs"}
    listeners = resources_of_type("ethereum-ecs", "AWS::ElasticLoadBalancingV2::Listener")
    by_port = {listener["Properties"]["Port"]: listener for listener in listeners.values()}
    assert set(by_port) == {8545, 80, 8080}
    assert "Condition" not in by_port[8545]
    assert by_port[80]["Condition"] == "RunEthStats"
    assert by_port[8080]["Condition"] == "RunEthExplorer"
    assert by_port[8545]["Properties"]["DefaultActions"] == [
        {"Type": "forward", "TargetGroupArn": {"Ref": "ClientTargetGroup"}}
    ]
    assert resources["ClientTargetGroup"]["Properties"]["TargetType"] == "ip"


def test_services_counts_load_balancing_and_conditions():
    resources = catalog.resources("ethereum-ecs")
    miners, clients = resources["MinerService"], resources["ClientService"]
    assert miners["Properties"]["DesiredCount"] == {"Ref": "NumberOfEthereumMiners"}
    assert "LoadBalancers" not in miners["Properties"]
    assert clients["Properties"]["DesiredCount"] == {"Ref": "NumberOfEthereumClients"}
    assert clients["Properties"]["LoadBalancers"] == [
        {"ContainerName": "geth", "ContainerPort": 8545, "TargetGroupArn": {"Ref": "ClientTargetGroup"}}
    ]
    for service in (miners, clients):
        assert "CapacityStack" in service["DependsOn"]
        assert service["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    for name, condition in (("EthStats", "RunEthStats"), ("Explorer", "RunEthExplorer")):
        for suffix in ("Service", "TaskDefinition", "TargetGroup", "Listener"):
            assert resources[f"{name}{suffix}"]["Condition"] == condition
        assert resources[f"{name}Service"]["Properties"]["DesiredCount"] == 1
        assert resources[f"{name}Service"]["Properties"]["Role"] == {
            "Fn::If": ["HasECSRoleForALB", {"Ref": "ECSRoleForALB"}, {"Ref": "AWS::NoValue"}]
        }


def test_nodes_read_the_ethstats_secret_from_secrets_manager():
    resources = catalog.resources("ethereum-ecs")
    for role in ("Miner", "Client"):
        geth = resources[f"{role}TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
        assert geth["Secrets"] == [{"Name": "ETHSTATS_SECRET", "ValueFrom": {"Ref": "EthStatsSecretArn"}}]
        environment = {e["Name"]: e["Value"] for e in geth["Environment"] if "Name" in e}
        assert environment["ROLE"] == role.lower()
        assert "NETWORK_ID=${NetworkID}" in environment["NETWORK"]["Fn::Sub"][0]
        assert geth["Command"] == [{"Fn::FindInMap": ["Scripts", "Node", "Command"]}]
    stats = resources["EthStatsTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    assert stats["Secrets"] == [{"Name": "WS_SECRET", "ValueFrom": {"Ref": "EthStatsSecretArn"}}]
    statements = resources["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    secret_reads = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert secret_reads == [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [{"Ref": "EthStatsSecretArn"}]}
    ]
    text = catalog.rendered("ethereum-ecs", "json")
    assert "WS_SECRET=" not in text


def test_peer_discovery_role_is_scoped_to_the_table():
    statements = catalog.resources("ethereum-ecs")["PeerDiscoveryRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:PutItem", "dynamodb:Scan"],
            "Resource": [{"Fn::GetAtt": ["PeerTable", "Arn"]}],
        }
    ]


def test_the_scripts_embedded_in_ecs_are_the_function_files():
    scripts = catalog.template_dict("ethereum-ecs")["Mappings"]["Scripts"]
    node = scripts["Node"]["Command"]
    assert "write_genesis()" in node and "geth $FLAGS &" in node
    assert "aws dynamodb put-item" in scripts["PeerDiscovery"]["Command"]
    assert "${" not in node


# --------------------------------------------------------------------------- capacity


def test_platforms_choose_the_ami_by_ssm_path():
    assert params("ethereum-autoscalegroup")["ImageId"]["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"
    ecs = nested("ethereum-ecs", "CapacityStack")["Properties"]["Parameters"]
    assert ecs["ImageId"] == ECS_OPTIMIZED_AL2023_X86
    assert ecs["ECSClusterName"] == {"Ref": "Cluster"}
    assert ecs["DesiredCapacity"] == {"Ref": "NumberOfEC2Instances"}
    local = nested("ethereum-docker-local", "HostStack")["Properties"]["Parameters"]
    assert local["ImageId"] == AMAZON_LINUX_2023_X86
    assert local["DesiredCapacity"] == "1"
    assert "ECSClusterName" not in local


def test_auto_scaling_group_waits_for_each_instance_signal():
    resources = catalog.resources("ethereum-autoscalegroup")
    assert not resources_of_type("ethereum-autoscalegroup", "AWS::AutoScaling::LaunchConfiguration")
    group = resources["AutoScalingGroup"]
    assert group["CreationPolicy"]["ResourceSignal"]["Count"] == {"Ref": "DesiredCapacity"}
    assert group["CreationPolicy"]["ResourceSignal"]["Timeout"] == "PT30M"
    assert group["UpdatePolicy"]["AutoScalingRollingUpdate"]["WaitOnResourceSignals"] is True
    assert group["Properties"]["VPCZoneIdentifier"] == {"Ref": "SubnetIds"}
    assert group["Properties"]["Tags"] == [{"Key": "Name", "Value": {"Ref": "InstanceName"}, "PropagateAtLaunch": True}]
    user_data = resources["LaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    assert "/opt/aws/bin/cfn-signal -e $? --stack ${AWS::StackName} --resource AutoScalingGroup" in user_data
    assert "ECS_CLUSTER=${ECSClusterName}" in user_data and "/etc/ecs/ecs.config" in user_data
    assert user_data.index("${BootEnvironment}") < user_data.index("${BootScript}")


@pytest.mark.parametrize(
    ("name", "logical_id"),
    [("ethereum-autoscalegroup", "LaunchTemplate"), ("hyperledger-ec2-standalone", "DevDesktopLaunchTemplate")],
)
def test_launch_templates_require_imdsv2_and_encrypt_the_root_volume(name, logical_id):
    data = catalog.resources(name)[logical_id]["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"] == {
        "HttpTokens": "required",
        "HttpEndpoint": "enabled",
        "HttpPutResponseHopLimit": 1,
    }
    assert [m["Ebs"]["Encrypted"] for m in data["BlockDeviceMappings"]] == [True]
    condition, _, otherwise = data["KeyName"]["Fn::If"]
    assert (condition, otherwise) == ("HasKeyPair", {"Ref": "AWS::NoValue"})


@pytest.mark.parametrize("name", ["ethereum-ecs", "ethereum-docker-local", "hyperledger-ec2-standalone"])
def test_an_instance_profile_is_created_only_when_none_is_given(name):
    assert catalog.template_dict(name)["Conditions"]["CreateInstanceProfile"] == {
        "Fn::Equals": [{"Ref": "EC2InstanceProfileArn"}, ""]
    }
    profiles = list(resources_of_type(name, "AWS::IAM::InstanceProfile").values())
    assert profiles and all(profile["Condition"] == "CreateInstanceProfile" for profile in profiles)
    assert "Default" in params(name)["EC2InstanceProfileArn"]


def test_docker_local_instance_may_read_only_its_secret():
    role = catalog.resources("ethereum-docker-local")["HostRole"]["Properties"]
    assert role["Policies"][0]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [{"Ref": "EthStatsSecretArn"}]}
    ]


# The longest value each string parameter of the boot environment can take, read off its AllowedPattern.
LONGEST = {
    "InitialAccountAddresses": 20 * 42 + 19,
    "InitialAccountBalance": 40,
    "MinerAccountAddress": 42,
    "InitialDifficulty": 19,
    "EthStatsSecretArn": 600,  # a 512-character secret name, its 7-character suffix and the ARN prefix
    "EthereumDockerImage": 255,
    "EthStatsDockerImage": 255,
    "EthExplorerDockerImage": 255,
    "AWS::Region": 20,
    "Verbosity": 1,
}


def _longest(name, spec):
    if name in LONGEST:
        return LONGEST[name]
    if "AllowedValues" in spec:
        return max(len(str(v)) for v in spec["AllowedValues"])
    return len(str(spec["MaxValue"]))


def test_the_docker_local_boot_fits_the_parameter_value_limit():
    passed = nested("ethereum-docker-local", "HostStack")["Properties"]["Parameters"]
    assert len(passed["BootScript"].encode()) < PARAMETER_VALUE_LIMIT
    assert passed["BootScript"] == ethereum_docker_local.boot_script()
    template, variables = passed["BootEnvironment"]["Fn::Sub"]
    assert set(variables) == {"Verbosity"}
    declared = params("ethereum-docker-local")
    references = re.findall(r"\$\{([A-Za-z0-9:]+)\}", template)
    worst_case = len(re.sub(r"\$\{[A-Za-z0-9:]+\}", "", template)) + sum(
        _longest(name, declared.get(name, {})) for name in references
    )
    assert worst_case < PARAMETER_VALUE_LIMIT


def test_docker_local_settings_match_the_node_settings():
    template = nested("ethereum-docker-local", "HostStack")["Properties"]["Parameters"]["BootEnvironment"]["Fn::Sub"][0]
    names = {line.split("=", 1)[0] for line in template.splitlines()}
    assert set(eth.NETWORK_SETTINGS) <= names
    assert {"RUN_STATS", "RUN_EXPLORER", "SECRET_ARN", "REGION", "GETH_IMAGE"} <= names


# --------------------------------------------------------------------------- hyperledger


def test_fabric_root_parameters_and_groups():
    p = params("hyperledger-fabric")
    assert {
        "ChannelName",
        "RootDomain",
        "Org1SubDomain",
        "Org2SubDomain",
        "Org3SubDomain",
        "VPCID",
        "NetworkSubnetID",
        "EC2KeyPairName",
        "EC2SecurityGroup",
        "EC2InstanceProfileArn",
        "EC2InstanceType",
        "TemplateBucketName",
        "TemplateKeyPrefix",
        "TemplateBucketRegion",
    } <= set(p)
    assert p["ChannelName"]["Default"] == "mychannel" and p["RootDomain"]["Default"] == "example.com"
    assert [p[f"Org{n}SubDomain"]["Default"] for n in (1, 2, 3)] == ["org1", "org2", "org3"]
    channel = re.compile(p["ChannelName"]["AllowedPattern"])
    assert channel.match("mychannel") and channel.match("abcd") and channel.match("a" * 16)
    assert not channel.match("abc") and not channel.match("a" * 17) and not channel.match("1channel")
    groups = catalog.template_dict("hyperledger-fabric")["Metadata"]["AWS::CloudFormation::Interface"]
    labels = [g["Label"]["default"] for g in groups["ParameterGroups"]]
    assert labels == ["Fabric", "VPC network", "Security", "Template location"]
    assert hyperledger_ec2_standalone.PARAMETERS["FabricVersion"]["Default"].startswith("2.5.")


def test_fabric_organizations_must_differ():
    for name in FABRIC:
        rule = catalog.template_dict(name)["Rules"]["DistinctOrganizations"]["Assertions"][0]["Assert"]
        assert len(rule["Fn::And"]) == 3


def test_fabric_instance_boots_with_a_public_ip_and_signals():
    resources = catalog.resources("hyperledger-ec2-standalone")
    instance = resources["DevDesktopInstance"]
    assert instance["CreationPolicy"]["ResourceSignal"]["Count"] == 1
    assert instance["Properties"]["LaunchTemplate"]["LaunchTemplateId"] == {"Ref": "DevDesktopLaunchTemplate"}
    data = resources["DevDesktopLaunchTemplate"]["Properties"]["LaunchTemplateData"]
    assert has_properties(
        data["NetworkInterfaces"][0],
        {"DeviceIndex": 0, "AssociatePublicIpAddress": True, "SubnetId": {"Ref": "NetworkSubnetID"}},
    )
    user_data = data["UserData"]["Fn::Base64"]["Fn::Sub"]
    assert "--resource DevDesktopInstance" in user_data
    assert "FABRIC_VERSION=${FabricVersion}" in user_data and "SECRET_ARN=${ExplorerAdminSecret}" in user_data
    assert len(user_data.encode()) < USER_DATA_LIMIT
    secret = resources["ExplorerAdminSecret"]["Properties"]
    assert secret["GenerateSecretString"]["PasswordLength"] >= 20 and "SecretString" not in secret


def test_fabric_root_passes_every_parameter_down():
    passed = nested("hyperledger-fabric", "StandaloneStack")["Properties"]["Parameters"]
    assert passed == {name: {"Ref": name} for name in params("hyperledger-ec2-standalone")}


# --------------------------------------------------------------------------- size and portability


@pytest.mark.parametrize("name", ETHEREUM + FABRIC)
def test_no_echo_parameters_have_no_default(name):
    for spec in params(name).values():
        if spec.get("NoEcho"):
            assert "Default" not in spec


def test_fabric_releases_and_samples_are_pinned_and_passed_to_the_boot_script():
    from cfn_catalog.templates import hyperledger_ec2_standalone as standalone

    for name in ("hyperledger-ec2-standalone", "hyperledger-fabric"):
        declared = catalog.template_dict(name)["Parameters"]
        assert declared["FabricVersion"]["Default"] == "2.5.11"
        assert declared["FabricCaVersion"]["Default"] == "1.5.15"
        assert re.fullmatch(r"[0-9a-f]{40}", declared["FabricSamplesCommit"]["Default"])
    data = catalog.resources("hyperledger-ec2-standalone")["DevDesktopLaunchTemplate"]["Properties"]
    script = data["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    for line in (
        "FABRIC_VERSION=${FabricVersion}",
        "CA_VERSION=${FabricCaVersion}",
        "SAMPLES_COMMIT=${FabricSamplesCommit}",
        f"INSTALLER_COMMIT={standalone.FABRIC_INSTALLER_COMMIT}",
    ):
        assert line in script.splitlines()
    assert "--ca-version" in script and "defaulting to main" not in script
    passed = catalog.resources("hyperledger-fabric")["StandaloneStack"]["Properties"]["Parameters"]
    assert passed["FabricCaVersion"] == {"Ref": "FabricCaVersion"}
    assert passed["FabricSamplesCommit"] == {"Ref": "FabricSamplesCommit"}
