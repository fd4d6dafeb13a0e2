"""The Ethereum network on Amazon ECS (`ContainerPlatform` ecs).

Nested by `ethereum-common`. An ECS cluster whose EC2 capacity comes from
`ethereum-autoscalegroup` on the ECS-optimized AMI, running:

- miners (`NumberOfEthereumMiners` geth tasks) and clients
  (`NumberOfEthereumClients`), each in awsvpc network mode with its own
  address; the clients serve JSON-RPC behind an internal Application Load
  Balancer on port 8545;
- EthStats (port 80) and the explorer (port 8080), one task each when enabled.

Peer discovery: a small AWS CLI container beside each geth node registers the
node's enode in a DynamoDB table with a five-minute time to live and hands the
live enodes of the others to the node, which dials them. Every node builds the
same genesis block from the network parameters, so they agree without
exchanging files. The EthStats secret reaches the containers from Secrets
Manager through the task definitions, never as plain text.

Chain data lives on task volumes: a replaced node resyncs from its peers, so
the chain survives as long as one node runs. Updates replace miners in place
and start new clients before stopping old ones (capacity permitting).
"""

from awacs.aws import Allow, Statement
from awacs.dynamodb import PutItem, Scan
from awacs.ecr import BatchCheckLayerAvailability, BatchGetImage, GetAuthorizationToken, GetDownloadUrlForLayer
from awacs.logs import CreateLogStream, PutLogEvents
from awacs.secretsmanager import GetSecretValue
from troposphere import Equals, FindInMap, GetAtt, If, Not, Output, Ref, Sub, Template
from troposphere.dynamodb import (
    AttributeDefinition,
    KeySchema,
    PointInTimeRecoverySpecification,
    SSESpecification,
    Table,
    TimeToLiveSpecification,
)
from troposphere.ecs import (
    AwsvpcConfiguration,
    Cluster,
    ClusterSetting,
    ContainerDefinition,
    DeploymentCircuitBreaker,
    DeploymentConfiguration,
    DockerVolumeConfiguration,
    Environment,
    LoadBalancer,
    LogConfiguration,
    MountPoint,
    NetworkConfiguration,
    PlacementStrategy,
    PortMapping,
    Secret,
    Service,
    TaskDefinition,
    Volume,
)
from troposphere.elasticloadbalancingv2 import (
    Action,
    Listener,
    LoadBalancerAttributes,
    TargetGroup,
    TargetGroupAttribute,
)
from troposphere.elasticloadbalancingv2 import LoadBalancer as ApplicationLoadBalancer

from cfn_catalog.blocks import ethereum as eth
from cfn_catalog.blocks.ec2 import ECS_OPTIMIZED_AL2023_X86, ssm_instance_role
from cfn_catalog.blocks.iam import managed_policy_arn, partition_arn, service_role
from cfn_catalog.blocks.logs import log_group
from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.blocks.nested import child_stack, join_list, location_parameters
from cfn_catalog.registry import register

INTERNAL_HTTP_REASON = (
    "internal load balancer of plain-HTTP services (JSON-RPC, EthStats websocket), no domain to certify"
)
LOAD_BALANCER_FINDINGS = {
    "CKV_AWS_91": "internal load balancer of a development network; a log bucket needs a policy for the "
    "regional ELB account",
    "CKV_AWS_150": "the network goes with its stack; deletion protection would fail every stack deletion",
}
WRITABLE_IMAGE_REASON = "third-party image writing runtime files (nginx cache, npm logs); no data, no task role"
NODE_MEMORY = {"Miner": 2048, "Client": 1024}  # MiB reserved; a miner also holds the ethash dataset


def _logs(group: object, prefix: str) -> LogConfiguration:
    return LogConfiguration(
        LogDriver="awslogs",
        Options={"awslogs-group": Ref(group), "awslogs-region": Ref("AWS::Region"), "awslogs-stream-prefix": prefix},
    )


def _node_task(t: Template, role: str, params: dict, *, group, execution_role, task_role, table) -> TaskDefinition:
    """A geth node (miner or client) and its peer-discovery container, sharing two task volumes."""
    p = {name: Ref(parameter) for name, parameter in params.items()}
    environment = [
        Environment(Name="ROLE", Value=role.lower()),
        Environment(Name="NETWORK", Value=eth.network_settings(" ")),
        If(
            "RunEthStats",
            Environment(Name="ETHSTATS_HOST", Value=Sub("${LoadBalancer.DNSName}:80")),
            Ref("AWS::NoValue"),
        ),
    ]
    geth = ContainerDefinition(
        Name="geth",
        Image=p["EthereumDockerImage"],
        Essential=True,
        MemoryReservation=NODE_MEMORY[role],
        EntryPoint=["sh", "-c"],
        Command=[FindInMap("Scripts", "Node", "Command")],
        Environment=environment,
        Secrets=[Secret(Name="ETHSTATS_SECRET", ValueFrom=p["EthStatsSecretArn"])],
        # awsvpc: every port is reachable as the security group allows; 8545 is named for the load balancer.
        PortMappings=[PortMapping(ContainerPort=8545)],
        MountPoints=[
            MountPoint(SourceVolume="chain", ContainerPath="/data"),
            MountPoint(SourceVolume="shared", ContainerPath="/shared"),
        ],
        ReadonlyRootFilesystem=True,
        StopTimeout=60,
        LogConfiguration=_logs(group, role.lower()),
    )
    peers = ContainerDefinition(
        Name="peer-discovery",
        Image=p["PeerDiscoveryDockerImage"],
        Essential=True,
        MemoryReservation=128,
        EntryPoint=["sh", "-c"],
        Command=[FindInMap("Scripts", "PeerDiscovery", "Command")],
        Environment=[
            Environment(Name="PEER_TABLE", Value=Ref(table)),
            Environment(Name="AWS_REGION", Value=Ref("AWS::Region")),
        ],
        MountPoints=[MountPoint(SourceVolume="shared", ContainerPath="/shared")],
        ReadonlyRootFilesystem=True,
        LogConfiguration=_logs(group, f"{role.lower()}-peers"),
    )
    return t.add_resource(
        TaskDefinition(
            f"{role}TaskDefinition",
            RequiresCompatibilities=["EC2"],
            NetworkMode="awsvpc",
            ExecutionRoleArn=GetAtt(execution_role, "Arn"),
            TaskRoleArn=GetAtt(task_role, "Arn"),
            ContainerDefinitions=[geth, peers],
            Volumes=[
                Volume(Name=name, DockerVolumeConfiguration=DockerVolumeConfiguration(Scope="task", Driver="local"))
                for name in ("chain", "shared")
            ],
        )
    )


def _web_task(t: Template, name: str, *, condition: str, container: ContainerDefinition) -> TaskDefinition:
    """A single-container task in bridge mode (no network interface of its own) on a dynamic host port."""
    task = TaskDefinition(
        f"{name}TaskDefinition",
        Condition=condition,
        RequiresCompatibilities=["EC2"],
        NetworkMode="bridge",
        ExecutionRoleArn=GetAtt("ExecutionRole", "Arn"),
        ContainerDefinitions=[container],
    )
    accept_findings(task, checkov={"CKV_AWS_336": WRITABLE_IMAGE_REASON})
    return t.add_resource(task)


def _target_group(t: Template, name: str, *, port: int, target_type: str, vpc, condition: str | None = None):
    props: dict = {"Port": port, "Protocol": "HTTP", "TargetType": target_type, "VpcId": Ref(vpc)}
    if target_type == "ip":  # the clients: a rolling update need not wait the default five minutes
        props["TargetGroupAttributes"] = [TargetGroupAttribute(Key="deregistration_delay.timeout_seconds", Value="30")]
    if condition:
        props["Condition"] = condition
    return t.add_resource(TargetGroup(name, **props))


def _listener(t: Template, name: str, *, port: int, target_group, condition: str | None = None) -> Listener:
    props: dict = {
        "LoadBalancerArn": Ref("LoadBalancer"),
        "Port": port,
        "Protocol": "HTTP",
        "DefaultActions": [Action(Type="forward", TargetGroupArn=Ref(target_group))],
    }
    if condition:
        props["Condition"] = condition
    listener = Listener(name, **props)
    accept_findings(listener, checkov={"CKV_AWS_2": INTERNAL_HTTP_REASON, "CKV_AWS_103": INTERNAL_HTTP_REASON})
    return t.add_resource(listener)


@register
def build() -> Template:
    t = Template(
        Description="Private Ethereum network on Amazon ECS: geth miners and clients with DynamoDB peer discovery, "
        "EthStats and explorer behind an internal load balancer (nested by ethereum-common)"
    )
    params = eth.add_parameters(t, eth.ECS_PARAMETERS)
    location_parameters(t)
    interface(t, eth.interface_groups(t), labels=eth.labels(t))
    eth.add_verbosity_mapping(t)
    # The containers' scripts, once each: miners and clients both run them.
    t.add_mapping(
        "Scripts",
        {
            "Node": {
                "Command": eth.script("ethereum_genesis", comments=False) + eth.script("ethereum_node", comments=False)
            },
            "PeerDiscovery": {"Command": eth.script("ethereum_peers", comments=False)},
        },
    )
    t.add_condition("CreateInstanceProfile", Equals(Ref(params["EC2InstanceProfileArn"]), ""))
    t.add_condition("HasECSRoleForALB", Not(Equals(Ref(params["ECSRoleForALB"]), "")))
    t.add_condition("RunEthStats", Equals(Ref(params["RunEthStats"]), "true"))
    t.add_condition("RunEthExplorer", Equals(Ref(params["RunEthExplorer"]), "true"))

    cluster = t.add_resource(
        Cluster("Cluster", ClusterSettings=[ClusterSetting(Name="containerInsights", Value="enabled")])
    )
    table = t.add_resource(
        Table(
            "PeerTable",
            AttributeDefinitions=[AttributeDefinition(AttributeName="id", AttributeType="S")],
            KeySchema=[KeySchema(AttributeName="id", KeyType="HASH")],
            BillingMode="PAY_PER_REQUEST",
            TimeToLiveSpecification=TimeToLiveSpecification(AttributeName="ttl", Enabled=True),
            SSESpecification=SSESpecification(SSEEnabled=True),
            PointInTimeRecoverySpecification=PointInTimeRecoverySpecification(PointInTimeRecoveryEnabled=True),
        )
    )
    accept_findings(
        table,
        checkov={
            "CKV_AWS_119": "the table holds only the nodes' enode URLs (public keys and private addresses) for five "
            "minutes; encryption at rest with the AWS managed key suffices, a customer key would outlive the network",
        },
    )
    group = log_group(t, "LogGroup")

    execution_role = service_role(
        t,
        "ExecutionRole",
        service="ecs-tasks.amazonaws.com",
        description="Lets ECS pull the images, write the containers' logs and read the EthStats secret",
        statements=[
            Statement(Effect=Allow, Action=[CreateLogStream, PutLogEvents], Resource=[GetAtt(group, "Arn")]),
            Statement(Effect=Allow, Action=[GetSecretValue], Resource=[Ref(params["EthStatsSecretArn"])]),
            # Images may be mirrored to this account's ECR; the token call has no resource to scope to.
            Statement(Effect=Allow, Action=[GetAuthorizationToken], Resource=["*"]),
            Statement(
                Effect=Allow,
                Action=[BatchCheckLayerAvailability, BatchGetImage, GetDownloadUrlForLayer],
                Resource=[partition_arn("ecr", "repository/*")],
            ),
        ],
    )
    task_role = service_role(
        t,
        "PeerDiscoveryRole",
        service="ecs-tasks.amazonaws.com",
        description="Lets the peer-discovery containers register and list enodes in the peer table",
        statements=[Statement(Effect=Allow, Action=[PutItem, Scan], Resource=[GetAtt(table, "Arn")])],
    )
    instance_role, profile = ssm_instance_role(
        t,
        "ContainerInstance",
        managed_policy_arns=[managed_policy_arn("service-role/AmazonEC2ContainerServiceforEC2Role")],
    )
    instance_role.Condition = profile.Condition = "CreateInstanceProfile"

    child_stack(
        t,
        "CapacityStack",
        "ethereum-autoscalegroup",
        parameters={
            "InstanceName": Ref("AWS::StackName"),
            "ImageId": ECS_OPTIMIZED_AL2023_X86,
            "InstanceType": Ref(params["EC2InstanceType"]),
            "DesiredCapacity": Ref(params["NumberOfEC2Instances"]),
            "SubnetIds": join_list(params["NetworkSubnetIDs"]),
            "SecurityGroupId": Ref(params["EC2SecurityGroup"]),
            "InstanceProfileArn": If(
                "CreateInstanceProfile", GetAtt(profile, "Arn"), Ref(params["EC2InstanceProfileArn"])
            ),
            "KeyPairName": Ref(params["EC2KeyPairName"]),
            "ECSClusterName": Ref(cluster),
        },
    )

    balancer = t.add_resource(
        ApplicationLoadBalancer(
            "LoadBalancer",
            Scheme="internal",
            Subnets=Ref(params["ALBSubnetIDs"]),
            SecurityGroups=[Ref(params["LoadBalancerSecurityGroup"])],
            LoadBalancerAttributes=[
                LoadBalancerAttributes(Key="routing.http.drop_invalid_header_fields.enabled", Value="true"),
            ],
        )
    )
    accept_findings(balancer, checkov=LOAD_BALANCER_FINDINGS)
    vpc = params["VPCID"]
    clients = _target_group(t, "ClientTargetGroup", port=8545, target_type="ip", vpc=vpc)
    stats = _target_group(t, "EthStatsTargetGroup", port=3000, target_type="instance", vpc=vpc, condition="RunEthStats")
    explorer = _target_group(
        t, "ExplorerTargetGroup", port=80, target_type="instance", vpc=vpc, condition="RunEthExplorer"
    )
    rpc_listener = _listener(t, "JsonRpcListener", port=8545, target_group=clients)
    stats_listener = _listener(t, "EthStatsListener", port=80, target_group=stats, condition="RunEthStats")
    explorer_listener = _listener(t, "ExplorerListener", port=8080, target_group=explorer, condition="RunEthExplorer")

    roles = {"group": group, "execution_role": execution_role, "task_role": task_role, "table": table}
    miner_task = _node_task(t, "Miner", params, **roles)
    client_task = _node_task(t, "Client", params, **roles)
    stats_task = _web_task(
        t,
        "EthStats",
        condition="RunEthStats",
        container=ContainerDefinition(
            Name="ethstats",
            Image=Ref(params["EthStatsDockerImage"]),
            Essential=True,
            MemoryReservation=256,
            PortMappings=[PortMapping(ContainerPort=3000)],
            Secrets=[Secret(Name="WS_SECRET", ValueFrom=Ref(params["EthStatsSecretArn"]))],
            LogConfiguration=_logs(group, "ethstats"),
        ),
    )
    explorer_task = _web_task(
        t,
        "Explorer",
        condition="RunEthExplorer",
        container=ContainerDefinition(
            Name="explorer",
            Image=Ref(params["EthExplorerDockerImage"]),
            Essential=True,
            MemoryReservation=128,
            PortMappings=[PortMapping(ContainerPort=80)],
            # The explorer runs in the browser, which calls JSON-RPC through the load balancer.
            Environment=[Environment(Name="APP_NODE_URL", Value=Sub("http://${LoadBalancer.DNSName}:8545"))],
            LogConfiguration=_logs(group, "explorer"),
        ),
    )

    node_network = NetworkConfiguration(
        AwsvpcConfiguration=AwsvpcConfiguration(
            Subnets=Ref(params["NetworkSubnetIDs"]),
            SecurityGroups=[Ref(params["EC2SecurityGroup"])],
            AssignPublicIp="DISABLED",
        )
    )
    spread = [PlacementStrategy(Type="spread", Field="instanceId")]

    def deployment(minimum: int, maximum: int) -> DeploymentConfiguration:
        return DeploymentConfiguration(
            MinimumHealthyPercent=minimum,
            MaximumPercent=maximum,
            DeploymentCircuitBreaker=DeploymentCircuitBreaker(Enable=True, Rollback=True),
        )

    common = {"Cluster": Ref(cluster), "LaunchType": "EC2"}
    t.add_resource(
        Service(
            "MinerService",
            DependsOn=["CapacityStack"],
            TaskDefinition=Ref(miner_task),
            DesiredCount=Ref(params["NumberOfEthereumMiners"]),
            NetworkConfiguration=node_network,
            PlacementStrategies=spread,
            DeploymentConfiguration=deployment(0, 100),
            **common,
        )
    )
    t.add_resource(
        Service(
            "ClientService",
            DependsOn=["CapacityStack", rpc_listener.title],
            TaskDefinition=Ref(client_task),
            DesiredCount=Ref(params["NumberOfEthereumClients"]),
            NetworkConfiguration=node_network,
            PlacementStrategies=spread,
            DeploymentConfiguration=deployment(50, 200),
            HealthCheckGracePeriodSeconds=300,
            LoadBalancers=[LoadBalancer(ContainerName="geth", ContainerPort=8545, TargetGroupArn=Ref(clients))],
            **common,
        )
    )
    for name, task, target, listener, container, port in (
        ("EthStats", stats_task, stats, stats_listener, "ethstats", 3000),
        ("Explorer", explorer_task, explorer, explorer_listener, "explorer", 80),
    ):
        t.add_resource(
            Service(
                f"{name}Service",
                Condition=task.Condition,
                DependsOn=["CapacityStack", listener.title],
                TaskDefinition=Ref(task),
                DesiredCount=1,
                DeploymentConfiguration=deployment(0, 100),
                LoadBalancers=[LoadBalancer(ContainerName=container, ContainerPort=port, TargetGroupArn=Ref(target))],
                Role=If("HasECSRoleForALB", Ref(params["ECSRoleForALB"]), Ref("AWS::NoValue")),
                **common,
            )
        )

    dns = GetAtt(balancer, "DNSName")
    t.add_output(Output("LoadBalancerDNSName", Description="DNS name of the internal load balancer", Value=dns))
    t.add_output(
        Output(
            "EthJsonRPCURL",
            Description="JSON-RPC endpoint of the clients",
            Value=Sub("http://${LoadBalancer.DNSName}:8545"),
        )
    )
    t.add_output(
        Output(
            "EthStatsURL",
            Description="EthStats dashboard",
            Value=If(
                "RunEthStats",
                Sub("http://${LoadBalancer.DNSName}"),
                "EthStats is not deployed (RunEthStats is false)",
            ),
        )
    )
    t.add_output(
        Output(
            "EthExplorerURL",
            Description="Explorer",
            Value=If(
                "RunEthExplorer",
                Sub("http://${LoadBalancer.DNSName}:8080"),
                "The explorer is not deployed (RunEthExplorer is false)",
            ),
        )
    )
    t.add_output(Output("ClusterName", Description="ECS cluster", Value=Ref(cluster)))
    t.add_output(Output("PeerTableName", Description="DynamoDB table of live enodes", Value=Ref(table)))
    t.add_output(
        Output(
            "AutoScalingGroupName",
            Description="Auto Scaling group of the container instances",
            Value=GetAtt("CapacityStack", "Outputs.AutoScalingGroupName"),
        )
    )
    return t
