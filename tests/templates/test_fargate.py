"""Intent of the Fargate task-networking templates, asserted on the rendered data."""

import importlib
import re

import pytest
from conftest import has_properties, resources_of_type

from cfn_catalog import catalog

PUBLIC_VPC = "fargate-public-vpc"
PUBLIC_PRIVATE_VPC = "fargate-public-private-vpc"
NETWORKS = (PUBLIC_VPC, PUBLIC_PRIVATE_VPC)
BASE_OUTPUTS = {
    "ClusterName",
    "ExternalUrl",
    "ECSTaskExecutionRole",
    "PublicListener",
    "VPCId",
    "PublicSubnetOne",
    "PublicSubnetTwo",
    "FargateContainerSecurityGroup",
}
PRIVATE_OUTPUTS = {"InternalUrl", "PrivateListener", "PrivateSubnetOne", "PrivateSubnetTwo"}

# service stack -> the networking stacks it is meant to run in
SERVICES = {
    "fargate-service-public-subnet-public-lb": (PUBLIC_PRIVATE_VPC, PUBLIC_VPC),
    "fargate-service-private-subnet-public-lb": (PUBLIC_PRIVATE_VPC,),
    "fargate-service-private-subnet-private-lb": (PUBLIC_PRIVATE_VPC,),
    "fargate-web-api-task": (PUBLIC_PRIVATE_VPC,),
}
# service stack -> (subnets, listener, AssignPublicIp)
PLACEMENT = {
    "fargate-service-public-subnet-public-lb": ("Public", "PublicListener", "ENABLED"),
    "fargate-service-private-subnet-public-lb": ("Private", "PublicListener", "DISABLED"),
    "fargate-service-private-subnet-private-lb": ("Private", "PrivateListener", "DISABLED"),
    "fargate-web-api-task": ("Private", "PublicListener", "DISABLED"),
}


def imports(node):
    """Every output name a template imports as `${StackName}:<name>`."""
    found = set()
    if isinstance(node, dict):
        if "Fn::ImportValue" in node:
            value = node["Fn::ImportValue"]
            assert set(value) == {"Fn::Sub"}, value
            match = re.fullmatch(r"\$\{StackName\}:([A-Za-z0-9]+)", value["Fn::Sub"])
            assert match, value
            found.add(match.group(1))
        for child in node.values():
            found |= imports(child)
    elif isinstance(node, list):
        for child in node:
            found |= imports(child)
    return found


def exports(name):
    """Output name -> export name of a networking stack; every output must be exported as <stack>:<output>."""
    outputs = catalog.template_dict(name)["Outputs"]
    return {key: output["Export"]["Name"] for key, output in outputs.items()}


# --------------------------------------------------------------------------- the import/export contract


@pytest.mark.parametrize("network", NETWORKS)
def test_networking_stacks_export_every_output_under_stack_name_colon_output(network):
    for output, export_name in exports(network).items():
        assert export_name == {"Fn::Sub": f"${{AWS::StackName}}:{output}"}


@pytest.mark.parametrize(("service", "network"), [(s, n) for s, networks in SERVICES.items() for n in networks])
def test_every_import_of_a_service_stack_is_exported_by_its_networking_stack(service, network):
    used = imports(catalog.resources(service))
    assert used, "a service stack that imports nothing cannot be placed in a networking stack"
    assert used <= set(exports(network)), used - set(exports(network))


def test_public_subnet_service_fits_the_public_only_network_but_private_ones_do_not():
    public_vpc = set(exports(PUBLIC_VPC))
    assert imports(catalog.resources("fargate-service-public-subnet-public-lb")) <= public_vpc
    for service in ("fargate-service-private-subnet-public-lb", "fargate-service-private-subnet-private-lb"):
        assert not imports(catalog.resources(service)) <= public_vpc


@pytest.mark.parametrize("service", SERVICES)
def test_service_stacks_name_their_networking_stack_with_a_parameter(service):
    param = catalog.template_dict(service)["Parameters"]["StackName"]
    assert param["Default"] == "production" and re.fullmatch(param["AllowedPattern"], "production")


# --------------------------------------------------------------------------- networking stacks


def test_outputs_of_the_networking_stacks():
    assert set(exports(PUBLIC_VPC)) == BASE_OUTPUTS
    assert set(exports(PUBLIC_PRIVATE_VPC)) == BASE_OUTPUTS | PRIVATE_OUTPUTS
    for network in NETWORKS:
        assert "ECSRole" not in exports(network)  # ECS uses its service-linked role


@pytest.mark.parametrize("network", NETWORKS)
def test_subnets_spread_over_the_first_two_zones_without_public_ips_on_launch(network):
    subnets = resources_of_type(network, "AWS::EC2::Subnet")
    expected = {"PublicSubnet1": ("10.0.0.0/24", 0), "PublicSubnet2": ("10.0.1.0/24", 1)}
    if network == PUBLIC_PRIVATE_VPC:
        expected |= {"PrivateSubnet1": ("10.0.2.0/24", 0), "PrivateSubnet2": ("10.0.3.0/24", 1)}
    assert set(subnets) == set(expected)
    for name, (cidr, zone) in expected.items():
        props = subnets[name]["Properties"]
        assert props["CidrBlock"] == cidr
        assert props["AvailabilityZone"] == {"Fn::Select": [zone, {"Fn::GetAZs": ""}]}
        assert props["MapPublicIpOnLaunch"] is False
    vpc = catalog.resources(network)["VPC"]["Properties"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"


def test_public_only_network_has_no_nat_and_no_private_pieces():
    resources = catalog.resources(PUBLIC_VPC)
    assert not resources_of_type(PUBLIC_VPC, "AWS::EC2::NatGateway")
    assert "PrivateLoadBalancer" not in resources
    route = resources["PublicDefaultRoute"]["Properties"]
    assert route["DestinationCidrBlock"] == "0.0.0.0/0" and route["GatewayId"] == {"Ref": "InternetGateway"}


def test_each_private_subnet_leaves_through_the_nat_gateway_of_its_own_zone():
    resources = catalog.resources(PUBLIC_PRIVATE_VPC)
    assert len(resources_of_type(PUBLIC_PRIVATE_VPC, "AWS::EC2::NatGateway")) == 2
    zone = {
        name: r["Properties"]["AvailabilityZone"] for name, r in resources.items() if r["Type"] == "AWS::EC2::Subnet"
    }
    for i in (1, 2):
        association = resources[f"PrivateSubnet{i}RouteTableAssociation"]["Properties"]
        table = association["RouteTableId"]["Ref"]
        route = next(
            r["Properties"]
            for r in resources.values()
            if r["Type"] == "AWS::EC2::Route" and r["Properties"]["RouteTableId"] == {"Ref": table}
        )
        nat = resources[route["NatGatewayId"]["Ref"]]["Properties"]
        assert zone[nat["SubnetId"]["Ref"]] == zone[association["SubnetId"]["Ref"]]
        assert nat["SubnetId"]["Ref"].startswith("Public")


def test_s3_and_dynamodb_gateway_endpoints_serve_both_private_route_tables():
    endpoints = resources_of_type(PUBLIC_PRIVATE_VPC, "AWS::EC2::VPCEndpoint")
    services = set()
    for endpoint in endpoints.values():
        props = endpoint["Properties"]
        assert props["VpcEndpointType"] == "Gateway"
        assert props["RouteTableIds"] == [{"Ref": "PrivateRouteTable1"}, {"Ref": "PrivateRouteTable2"}]
        services.add(props["ServiceName"]["Fn::Sub"].rsplit(".", 1)[-1])
    assert services == {"s3", "dynamodb"}


@pytest.mark.parametrize("network", NETWORKS)
def test_cluster_has_container_insights_and_tasks_get_the_managed_execution_policy(network):
    resources = catalog.resources(network)
    cluster = resources["ECSCluster"]["Properties"]
    assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enabled"}]
    role = resources["ECSTaskExecutionRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": ["ecs-tasks.amazonaws.com"]}
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"}
    ]
    assert "Policies" not in role


@pytest.mark.parametrize("network", NETWORKS)
def test_tasks_accept_traffic_only_from_the_load_balancers_and_each_other(network):
    resources = catalog.resources(network)
    task_group = resources["FargateContainerSecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in task_group
    allowed = {"PublicLoadBalancerSG", "FargateContainerSecurityGroup"}
    if network == PUBLIC_PRIVATE_VPC:
        allowed.add("PrivateLoadBalancerSG")
    sources = set()
    for rule in resources_of_type(network, "AWS::EC2::SecurityGroupIngress").values():
        props = rule["Properties"]
        assert props["Description"]
        if props["GroupId"] == {"Ref": "FargateContainerSecurityGroup"}:
            assert "CidrIp" not in props
            sources.add(props["SourceSecurityGroupId"]["Ref"])
    assert sources == allowed


def test_internal_load_balancer_is_reachable_only_from_the_tasks():
    resources = catalog.resources(PUBLIC_PRIVATE_VPC)
    group = resources["PrivateLoadBalancerSG"]["Properties"]
    assert "SecurityGroupIngress" not in group
    rules = [
        r["Properties"]
        for r in resources_of_type(PUBLIC_PRIVATE_VPC, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Ref": "PrivateLoadBalancerSG"}
    ]
    assert [rule["SourceSecurityGroupId"] for rule in rules] == [{"Ref": "FargateContainerSecurityGroup"}]
    lb = resources["PrivateLoadBalancer"]["Properties"]
    assert lb["Scheme"] == "internal"
    assert lb["Subnets"] == [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]


@pytest.mark.parametrize("network", NETWORKS)
def test_load_balancers_only_send_to_the_tasks(network):
    for name, group in resources_of_type(network, "AWS::EC2::SecurityGroup").items():
        if name.endswith("LoadBalancerSG"):
            (egress,) = group["Properties"]["SecurityGroupEgress"]
            assert egress["DestinationSecurityGroupId"] == {"Ref": "FargateContainerSecurityGroup"}


@pytest.mark.parametrize("network", NETWORKS)
def test_load_balancers_drop_invalid_headers_and_listeners_answer_404_without_dummy_target_groups(network):
    assert not resources_of_type(network, "AWS::ElasticLoadBalancingV2::TargetGroup")
    lbs = resources_of_type(network, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert set(lbs) == (
        {"PublicLoadBalancer", "PrivateLoadBalancer"} if network == PUBLIC_PRIVATE_VPC else {"PublicLoadBalancer"}
    )
    for lb in lbs.values():
        assert {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"} in lb["Properties"][
            "LoadBalancerAttributes"
        ]
    not_found = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}
    listeners = resources_of_type(network, "AWS::ElasticLoadBalancingV2::Listener")
    http = listeners["PublicLoadBalancerListener"]["Properties"]
    assert http["Port"] == 80 and http["Protocol"] == "HTTP"
    _, with_certificate, without = http["DefaultActions"]["Fn::If"]
    assert has_properties(without[0], not_found)
    assert has_properties(
        with_certificate[0], {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443"}}
    )
    https = listeners["PublicLoadBalancerHttpsListener"]
    assert https["Condition"] == "HasCertificate"
    assert has_properties(https["Properties"], {"Port": 443, "Protocol": "HTTPS"})
    assert https["Properties"]["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert has_properties(https["Properties"]["DefaultActions"][0], not_found)
    if network == PUBLIC_PRIVATE_VPC:
        assert has_properties(listeners["PrivateLoadBalancerListener"]["Properties"]["DefaultActions"][0], not_found)


@pytest.mark.parametrize("network", NETWORKS)
def test_public_listener_output_is_the_https_listener_when_a_certificate_is_given(network):
    outputs = catalog.template_dict(network)["Outputs"]
    assert outputs["PublicListener"]["Value"] == {
        "Fn::If": ["HasCertificate", {"Ref": "PublicLoadBalancerHttpsListener"}, {"Ref": "PublicLoadBalancerListener"}]
    }
    params = catalog.template_dict(network)["Parameters"]
    assert params["CertificateArn"]["Default"] == "" and params["AccessLogBucketName"]["Default"] == ""


# --------------------------------------------------------------------------- service stacks


@pytest.mark.parametrize("service", SERVICES)
def test_service_placement(service):
    subnets, listener, public_ip = PLACEMENT[service]
    resources = catalog.resources(service)
    network = resources["Service"]["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == public_ip
    assert network["Subnets"] == [
        {"Fn::ImportValue": {"Fn::Sub": f"${{StackName}}:{subnets}Subnet{n}"}} for n in ("One", "Two")
    ]
    assert network["SecurityGroups"] == [{"Fn::ImportValue": {"Fn::Sub": "${StackName}:FargateContainerSecurityGroup"}}]
    rule = resources["LoadBalancerRule"]["Properties"]
    assert rule["ListenerArn"] == {"Fn::ImportValue": {"Fn::Sub": f"${{StackName}}:{listener}"}}
    assert rule["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": [{"Ref": "Path"}]}}]
    assert rule["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}]


@pytest.mark.parametrize("service", SERVICES)
def test_service_is_a_fargate_rolling_deployment_with_circuit_breaker_rollback(service):
    resources = catalog.resources(service)
    svc = resources["Service"]
    assert svc["DependsOn"] == ["LoadBalancerRule"]
    assert has_properties(
        svc["Properties"],
        {
            "LaunchType": "FARGATE",
            "DesiredCount": {"Ref": "DesiredCount"},
            "Cluster": {"Fn::ImportValue": {"Fn::Sub": "${StackName}:ClusterName"}},
            "DeploymentController": {"Type": "ECS"},
            "DeploymentConfiguration": {"DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}},
        },
    )
    assert "Role" not in svc["Properties"]  # the optional Role is the task's, not the service's


@pytest.mark.parametrize("service", SERVICES)
def test_task_definition_is_awsvpc_fargate_with_logs_and_an_optional_task_role(service):
    resources = catalog.resources(service)
    task = resources["TaskDefinition"]["Properties"]
    assert has_properties(
        task,
        {
            "NetworkMode": "awsvpc",
            "RequiresCompatibilities": ["FARGATE"],
            "Cpu": {"Ref": "ContainerCpu"},
            "Memory": {"Ref": "ContainerMemory"},
            "ExecutionRoleArn": {"Fn::ImportValue": {"Fn::Sub": "${StackName}:ECSTaskExecutionRole"}},
            "TaskRoleArn": {"Fn::If": ["HasCustomRole", {"Ref": "Role"}, {"Ref": "AWS::NoValue"}]},
        },
    )
    for container in task["ContainerDefinitions"]:
        logs = container["LogConfiguration"]
        assert logs["LogDriver"] == "awslogs" and logs["Options"]["awslogs-group"] == {"Ref": "LogGroup"}
    assert resources["LogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    params = catalog.template_dict(service)["Parameters"]
    assert params["Role"]["Default"] == ""
    assert re.fullmatch(params["Role"]["AllowedPattern"], "")


@pytest.mark.parametrize("service", SERVICES)
def test_target_group_registers_task_ips_on_the_container_port_with_health_checks(service):
    resources = catalog.resources(service)
    group = resources["TargetGroup"]["Properties"]
    (lb,) = resources["Service"]["Properties"]["LoadBalancers"]
    assert group["TargetType"] == "ip"
    assert group["Port"] == lb["ContainerPort"]
    assert group["VpcId"] == {"Fn::ImportValue": {"Fn::Sub": "${StackName}:VPCId"}}
    assert has_properties(group, {"HealthCheckEnabled": True, "HealthCheckPath": {"Ref": "HealthCheckPath"}})
    assert lb["TargetGroupArn"] == {"Ref": "TargetGroup"}
    names = [c["Name"] for c in resources["TaskDefinition"]["Properties"]["ContainerDefinitions"]]
    assert lb["ContainerName"] in names


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "fargate-web-api-task"])
def test_single_container_services_follow_the_post_s_parameters(service):
    params = catalog.template_dict(service)["Parameters"]
    defaults = {name: params[name].get("Default") for name in params}
    assert has_properties(
        defaults,
        {
            "StackName": "production",
            "ServiceName": "nginx",
            "ContainerPort": 80,
            "ContainerCpu": 256,
            "ContainerMemory": 512,
            "Path": "*",
            "Priority": 1,
            "DesiredCount": 2,
            "Role": "",
        },
    )
    image = defaults["ImageUrl"]
    assert re.fullmatch(params["ImageUrl"]["AllowedPattern"], image)
    assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest")  # pinned
    task = catalog.resources(service)["TaskDefinition"]["Properties"]
    (container,) = task["ContainerDefinitions"]
    assert container["Image"] == {"Ref": "ImageUrl"}
    assert container["PortMappings"] == [{"ContainerPort": {"Ref": "ContainerPort"}, "Protocol": "tcp"}]


def _rules_accept(rules, values):
    """Evaluate the template's Rules (Equals conditions, Contains assertions) for parameter values."""

    def resolve(node):
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return values[node["Ref"]]
        return node

    for rule in rules.values():
        left, right = (resolve(x) for x in rule["RuleCondition"]["Fn::Equals"])
        if left != right:
            continue
        for assertion in rule["Assertions"]:
            allowed, value = (resolve(x) for x in assertion["Assert"]["Fn::Contains"])
            if value not in allowed:
                return False
    return True


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    ("cpu", "memory", "valid"),
    [
        ("256", "512", True),
        ("256", "2048", True),
        ("256", "4096", False),
        ("512", "512", False),
        ("512", "4096", True),
        ("1024", "8192", True),
        ("1024", "9216", False),
        ("2048", "16384", True),
        ("4096", "8192", True),
        ("4096", "30720", True),
        ("4096", "9000", False),
        ("4096", "32768", False),
        ("8192", "16384", True),
        ("16384", "122880", True),
    ],
)
def test_rules_reject_invalid_fargate_cpu_memory_pairs(service, cpu, memory, valid):
    doc = catalog.template_dict(service)
    assert {str(v) for v in doc["Parameters"]["ContainerCpu"]["AllowedValues"]} >= {
        "256",
        "512",
        "1024",
        "2048",
        "4096",
    }
    assert _rules_accept(doc["Rules"], {"ContainerCpu": cpu, "ContainerMemory": memory}) is valid


def test_every_allowed_cpu_has_a_memory_rule():
    doc = catalog.template_dict("fargate-service-private-subnet-public-lb")
    conditions = {rule["RuleCondition"]["Fn::Equals"][1] for rule in doc["Rules"].values()}
    assert conditions == {str(v) for v in doc["Parameters"]["ContainerCpu"]["AllowedValues"]}


def test_web_and_api_share_one_task_and_talk_over_localhost():
    resources = catalog.resources("fargate-web-api-task")
    containers = {c["Name"]: c for c in resources["TaskDefinition"]["Properties"]["ContainerDefinitions"]}
    assert set(containers) == {"web", "api"}
    assert containers["web"]["PortMappings"] == [{"ContainerPort": 80, "Protocol": "tcp"}]
    assert containers["api"]["PortMappings"] == [{"ContainerPort": 8080, "Protocol": "tcp"}]
    assert {"Name": "API_URL", "Value": "http://localhost:8080"} in containers["web"]["Environment"]
    assert containers["web"]["DependsOn"] == [{"ContainerName": "api", "Condition": "START"}]
    assert containers["web"]["Image"] == {"Ref": "WebImageUrl"}
    assert containers["api"]["Image"] == {"Ref": "ApiImageUrl"}
    (lb,) = resources["Service"]["Properties"]["LoadBalancers"]
    assert (lb["ContainerName"], lb["ContainerPort"]) == ("web", 80)
    params = catalog.template_dict("fargate-web-api-task")["Parameters"]
    assert "Default" not in params["ApiImageUrl"] and "ImageUrl" not in params


def test_web_api_docs_say_when_to_split_into_two_services():
    text = " ".join(importlib.import_module(catalog.specs()["fargate-web-api-task"].module).__doc__.split())
    for reason in ("scale independently", "deploy independently", "isolate failures"):
        assert reason in text
