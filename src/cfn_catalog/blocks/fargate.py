"""Shared pieces of the Fargate task-networking templates.

The two networking stacks and the four service stacks are built from these
functions so that what a networking stack exports and what a service stack
imports are spelled in exactly one place.

The contract between them: a networking stack exports each output as
`<its stack name>:<OutputName>`; a service stack takes that stack name as
its `StackName` parameter and reads `Fn::ImportValue` of
`${StackName}:<OutputName>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import (
    Equals,
    Export,
    GetAtt,
    If,
    ImportValue,
    Not,
    Output,
    Parameter,
    Ref,
    Sub,
    Template,
)
from troposphere.ec2 import SecurityGroup, SecurityGroupIngress, SecurityGroupRule
from troposphere.ecs import (
    AwsvpcConfiguration,
    Cluster,
    ClusterSetting,
    ContainerDefinition,
    DeploymentCircuitBreaker,
    DeploymentConfiguration,
    DeploymentController,
    LoadBalancer,
    LogConfiguration,
    NetworkConfiguration,
    PortMapping,
    Service,
    TaskDefinition,
)
from troposphere.elasticloadbalancingv2 import (
    Action,
    Certificate,
    Condition,
    FixedResponseConfig,
    Listener,
    ListenerRule,
    ListenerRuleAction,
    LoadBalancerAttributes,
    Matcher,
    PathPatternConfig,
    RedirectConfig,
    TargetGroup,
    TargetGroupAttribute,
)
from troposphere.elasticloadbalancingv2 import LoadBalancer as ApplicationLoadBalancer
from troposphere.logs import LogGroup

from cfn_catalog.blocks.iam import managed_policy_arn, service_role
from cfn_catalog.blocks.logs import log_group
from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.blocks.vpc import vpc

VPC_CIDR = "10.0.0.0/16"
PUBLIC_CIDRS = ("10.0.0.0/24", "10.0.1.0/24")
PRIVATE_CIDRS = ("10.0.2.0/24", "10.0.3.0/24")
# TLS 1.3 preferred, TLS 1.2 accepted: the current recommended ALB policy.
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
DEFAULT_IMAGE = "public.ecr.aws/nginx/nginx:1.27"
BUCKET_NAME_PATTERN = r"^$|^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2557, 3653]

# Fargate's valid task sizes: CPU units -> memory (MiB) it may be paired with.
FARGATE_MEMORY = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4096 + 1, 1024)),
    1024: list(range(2048, 8192 + 1, 1024)),
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
    8192: list(range(16384, 61440 + 1, 4096)),
    16384: list(range(32768, 122880 + 1, 8192)),
}

LOAD_BALANCER_FINDINGS = {
    "CKV_AWS_91": "access logs are written when AccessLogBucketName is given; the bucket needs a policy for "
    "the regional Elastic Load Balancing account, which this stack cannot assume exists",
}
INTERNAL_HTTP_REASON = (
    "internal load balancer in private subnets, reachable only from the task security group; HTTPS here "
    "would need a private CA and certificates for service-to-service traffic"
)


# --------------------------------------------------------------------------- exports and imports


def export(t: Template, name: str, description: str, value: object) -> Output:
    """An output exported as `${AWS::StackName}:<name>`."""
    return t.add_output(
        Output(name, Description=description, Value=value, Export=Export(Sub(f"${{AWS::StackName}}:{name}")))
    )


def imported(name: str) -> ImportValue:
    """The value the networking stack named by parameter StackName exports as `name`."""
    return ImportValue(Sub(f"${{StackName}}:{name}"))


# --------------------------------------------------------------------------- networking stacks


def _fixed_404() -> Action:
    return Action(
        Type="fixed-response",
        FixedResponseConfig=FixedResponseConfig(StatusCode="404", ContentType="text/plain", MessageBody="Not found"),
    )


def _lb_attributes(prefix: str) -> list:
    return [
        LoadBalancerAttributes(Key="idle_timeout.timeout_seconds", Value="30"),
        LoadBalancerAttributes(Key="routing.http.drop_invalid_header_fields.enabled", Value="true"),
        LoadBalancerAttributes(Key="access_logs.s3.enabled", Value=If("HasAccessLogBucket", "true", "false")),
        If(
            "HasAccessLogBucket",
            LoadBalancerAttributes(Key="access_logs.s3.bucket", Value=Ref("AccessLogBucketName")),
            Ref("AWS::NoValue"),
        ),
        If(
            "HasAccessLogBucket",
            LoadBalancerAttributes(Key="access_logs.s3.prefix", Value=Sub(f"${{AWS::StackName}}/{prefix}")),
            Ref("AWS::NoValue"),
        ),
    ]


def _egress_to_tasks(task_group: SecurityGroup) -> list[SecurityGroupRule]:
    # Replaces the default allow-all egress: a load balancer only talks to its targets.
    return [
        SecurityGroupRule(
            Description="To the Fargate tasks (any container port)",
            IpProtocol="tcp",
            FromPort=0,
            ToPort=65535,
            DestinationSecurityGroupId=Ref(task_group),
        )
    ]


def networking(t: Template, *, private: bool) -> None:
    """Everything of fargate-public-vpc, plus private subnets, NAT and an internal ALB when `private`."""
    certificate = t.add_parameter(
        Parameter(
            "CertificateArn",
            Type="String",
            Default="",
            AllowedPattern=r"^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$",
            ConstraintDescription="an ACM certificate ARN in this region, or empty",
            Description="Optional ACM certificate for the public load balancer: when given it listens on "
            "HTTPS 443 and redirects HTTP 80 there; empty keeps the post's plain HTTP listener",
        )
    )
    log_bucket = t.add_parameter(
        Parameter(
            "AccessLogBucketName",
            Type="String",
            Default="",
            AllowedPattern=BUCKET_NAME_PATTERN,
            ConstraintDescription="an S3 bucket name, or empty",
            Description="Optional existing bucket for load balancer access logs (its policy must let the "
            "region's Elastic Load Balancing write to it); empty turns access logs off",
        )
    )
    interface(
        t,
        [("Public load balancer", [certificate]), ("Logging", [log_bucket])],
        labels={"CertificateArn": "HTTPS certificate ARN", "AccessLogBucketName": "Access log bucket"},
    )
    t.add_condition("HasCertificate", Not(Equals(Ref(certificate), "")))
    t.add_condition("HasAccessLogBucket", Not(Equals(Ref(log_bucket), "")))

    network = vpc(
        t,
        cidr=VPC_CIDR,
        public_cidrs=PUBLIC_CIDRS,
        private_cidrs=PRIVATE_CIDRS if private else (),
        nat="per-az",
        gateway_endpoints=("s3", "dynamodb") if private else (),
    )

    cluster = t.add_resource(
        Cluster("ECSCluster", ClusterSettings=[ClusterSetting(Name="containerInsights", Value="enabled")])
    )

    # Tasks accept traffic only from the load balancers and from each other;
    # outbound stays open (image pulls, AWS APIs, the internet via IGW or NAT).
    task_group = t.add_resource(
        SecurityGroup(
            "FargateContainerSecurityGroup",
            GroupDescription="Access to the Fargate containers",
            VpcId=Ref(network.vpc),
        )
    )
    public_lb_group = t.add_resource(
        SecurityGroup(
            "PublicLoadBalancerSG",
            GroupDescription="Access to the public facing load balancer",
            VpcId=Ref(network.vpc),
            SecurityGroupIngress=[
                SecurityGroupRule(
                    Description="HTTP from the internet (redirected to HTTPS when a certificate is given)",
                    IpProtocol="tcp",
                    FromPort=80,
                    ToPort=80,
                    CidrIp="0.0.0.0/0",
                ),
            ],
            SecurityGroupEgress=_egress_to_tasks(task_group),
        )
    )
    accept_findings(
        public_lb_group,
        checkov={
            "CKV_AWS_260": "the group of an internet-facing load balancer: accepting HTTP from anywhere is its "
            "purpose (with a certificate, port 80 only redirects to HTTPS)",
        },
    )
    t.add_resource(
        SecurityGroupIngress(
            "PublicLoadBalancerIngressHttps",
            Condition="HasCertificate",
            Description="HTTPS from the internet",
            GroupId=Ref(public_lb_group),
            IpProtocol="tcp",
            FromPort=443,
            ToPort=443,
            CidrIp="0.0.0.0/0",
        )
    )
    t.add_resource(
        SecurityGroupIngress(
            "EcsSecurityGroupIngressFromPublicALB",
            Description="Ingress from the public ALB",
            GroupId=Ref(task_group),
            IpProtocol="tcp",
            FromPort=0,
            ToPort=65535,
            SourceSecurityGroupId=Ref(public_lb_group),
        )
    )
    t.add_resource(
        SecurityGroupIngress(
            "EcsSecurityGroupIngressFromSelf",
            Description="Ingress from other containers in the same security group",
            GroupId=Ref(task_group),
            IpProtocol="-1",
            SourceSecurityGroupId=Ref(task_group),
        )
    )

    public_lb = t.add_resource(
        ApplicationLoadBalancer(
            "PublicLoadBalancer",
            Type="application",
            Scheme="internet-facing",
            LoadBalancerAttributes=_lb_attributes("public"),
            Subnets=[Ref(subnet) for subnet in network.public_subnets],
            SecurityGroups=[Ref(public_lb_group)],
        )
    )
    accept_findings(public_lb, checkov=LOAD_BALANCER_FINDINGS)
    http_listener = t.add_resource(
        Listener(
            "PublicLoadBalancerListener",
            LoadBalancerArn=Ref(public_lb),
            Port=80,
            Protocol="HTTP",
            DefaultActions=If(
                "HasCertificate",
                [
                    Action(
                        Type="redirect",
                        RedirectConfig=RedirectConfig(Protocol="HTTPS", Port="443", StatusCode="HTTP_301"),
                    )
                ],
                [_fixed_404()],
            ),
        )
    )
    https_listener = t.add_resource(
        Listener(
            "PublicLoadBalancerHttpsListener",
            Condition="HasCertificate",
            LoadBalancerArn=Ref(public_lb),
            Port=443,
            Protocol="HTTPS",
            SslPolicy=SSL_POLICY,
            Certificates=[Certificate(CertificateArn=Ref(certificate))],
            DefaultActions=[_fixed_404()],
        )
    )

    execution_role = service_role(
        t,
        "ECSTaskExecutionRole",
        service="ecs-tasks.amazonaws.com",
        managed_policy_arns=[managed_policy_arn("service-role/AmazonECSTaskExecutionRolePolicy")],
        description="Lets ECS pull task images and write task logs on the tasks' behalf",
    )

    export(t, "ClusterName", "The name of the ECS cluster", Ref(cluster))
    export(
        t,
        "ExternalUrl",
        "The URL of the public load balancer (with a certificate, browse to the certificate's domain name "
        "aliased to it)",
        If(
            "HasCertificate",
            Sub("https://${PublicLoadBalancer.DNSName}"),
            Sub("http://${PublicLoadBalancer.DNSName}"),
        ),
    )
    export(t, "ECSTaskExecutionRole", "The ARN of the ECS task execution role", GetAtt(execution_role, "Arn"))
    export(
        t,
        "PublicListener",
        "The public load balancer listener services add rules to (HTTPS when a certificate is given)",
        If("HasCertificate", Ref(https_listener), Ref(http_listener)),
    )
    export(t, "VPCId", "The ID of the VPC", Ref(network.vpc))
    export(t, "PublicSubnetOne", "Public subnet one", Ref(network.public_subnets[0]))
    export(t, "PublicSubnetTwo", "Public subnet two", Ref(network.public_subnets[1]))
    export(t, "FargateContainerSecurityGroup", "The security group of the Fargate tasks", Ref(task_group))

    if not private:
        return

    private_lb_group = t.add_resource(
        SecurityGroup(
            "PrivateLoadBalancerSG",
            GroupDescription="Access to the internal load balancer",
            VpcId=Ref(network.vpc),
            SecurityGroupEgress=_egress_to_tasks(task_group),
        )
    )
    t.add_resource(
        SecurityGroupIngress(
            "PrivateLoadBalancerIngressFromECS",
            Description="Only accept traffic from a container in the Fargate container security group",
            GroupId=Ref(private_lb_group),
            IpProtocol="tcp",
            FromPort=80,
            ToPort=80,
            SourceSecurityGroupId=Ref(task_group),
        )
    )
    t.add_resource(
        SecurityGroupIngress(
            "EcsSecurityGroupIngressFromPrivateALB",
            Description="Ingress from the private ALB",
            GroupId=Ref(task_group),
            IpProtocol="tcp",
            FromPort=0,
            ToPort=65535,
            SourceSecurityGroupId=Ref(private_lb_group),
        )
    )
    private_lb = t.add_resource(
        ApplicationLoadBalancer(
            "PrivateLoadBalancer",
            Type="application",
            Scheme="internal",
            LoadBalancerAttributes=_lb_attributes("private"),
            Subnets=[Ref(subnet) for subnet in network.private_subnets],
            SecurityGroups=[Ref(private_lb_group)],
        )
    )
    accept_findings(private_lb, checkov=LOAD_BALANCER_FINDINGS)
    private_listener = t.add_resource(
        Listener(
            "PrivateLoadBalancerListener",
            LoadBalancerArn=Ref(private_lb),
            Port=80,
            Protocol="HTTP",
            DefaultActions=[_fixed_404()],
        )
    )
    accept_findings(
        private_listener,
        checkov={
            "CKV_AWS_2": INTERNAL_HTTP_REASON,
            "CKV_AWS_103": INTERNAL_HTTP_REASON,
        },
    )
    export(t, "InternalUrl", "The URL of the internal load balancer", Sub("http://${PrivateLoadBalancer.DNSName}"))
    export(t, "PrivateListener", "The internal load balancer listener services add rules to", Ref(private_listener))
    export(t, "PrivateSubnetOne", "Private subnet one", Ref(network.private_subnets[0]))
    export(t, "PrivateSubnetTwo", "Private subnet two", Ref(network.private_subnets[1]))


# --------------------------------------------------------------------------- service stacks


@dataclass
class ServiceParameters:
    """The parameters every service stack declares."""

    stack_name: Parameter
    service_name: Parameter
    cpu: Parameter
    memory: Parameter
    path: Parameter
    priority: Parameter
    desired_count: Parameter
    role: Parameter
    health_check_path: Parameter
    log_retention: Parameter


def image_parameter(t: Template, name: str, *, description: str, default: str | None = DEFAULT_IMAGE) -> Parameter:
    kwargs = {"Default": default} if default is not None else {}
    return t.add_parameter(
        Parameter(
            name,
            Type="String",
            AllowedPattern=r"^[a-z0-9][a-z0-9._/:@-]*$",
            ConstraintDescription="an image reference such as public.ecr.aws/nginx/nginx:1.27 or "
            "<registry>/<repository>@sha256:<digest>",
            MinLength=1,
            MaxLength=255,
            Description=description,
            **kwargs,
        )
    )


def port_parameter(t: Template, name: str = "ContainerPort", *, default: int = 80) -> Parameter:
    return t.add_parameter(
        Parameter(
            name,
            Type="Number",
            Default=default,
            MinValue=1,
            MaxValue=65535,
            Description="The port the application inside the container listens on",
        )
    )


def service_parameters(
    t: Template, *, service_name: str = "nginx", also_names: str = "the task family and the container name"
) -> ServiceParameters:
    """The common service parameters; `also_names` says what else ServiceName names in this template."""
    p = ServiceParameters(
        stack_name=t.add_parameter(
            Parameter(
                "StackName",
                Type="String",
                Default="production",
                AllowedPattern=r"^[a-zA-Z][-a-zA-Z0-9]{0,127}$",
                ConstraintDescription="a CloudFormation stack name",
                Description="The name of the Fargate networking stack this service runs in; its exports are "
                "imported as <StackName>:<Output>",
            )
        ),
        service_name=t.add_parameter(
            Parameter(
                "ServiceName",
                Type="String",
                Default=service_name,
                AllowedPattern=r"^[a-zA-Z][a-zA-Z0-9_-]{0,62}$",
                ConstraintDescription="1-63 letters, digits, hyphens and underscores, starting with a letter",
                Description=f"A name for the service (also {also_names})",
            )
        ),
        cpu=t.add_parameter(
            Parameter(
                "ContainerCpu",
                Type="Number",
                Default=256,
                AllowedValues=sorted(FARGATE_MEMORY),
                Description="CPU units of the task (1024 is one vCPU)",
            )
        ),
        memory=t.add_parameter(
            Parameter(
                "ContainerMemory",
                Type="Number",
                Default=512,
                MinValue=512,
                MaxValue=122880,
                Description="Memory of the task in MiB; must be a valid Fargate pairing with ContainerCpu",
            )
        ),
        path=t.add_parameter(
            Parameter(
                "Path",
                Type="String",
                Default="*",
                AllowedPattern=r"^[A-Za-z0-9_\-.$/~\"'@:+*?&;=,%!()]{1,128}$",
                ConstraintDescription="a load balancer path pattern of up to 128 characters",
                Description="The path on the load balancer this service receives; * sends all traffic here",
            )
        ),
        priority=t.add_parameter(
            Parameter(
                "Priority",
                Type="Number",
                Default=1,
                MinValue=1,
                MaxValue=50000,
                Description="Priority of the listener rule; unique per listener when several services share it",
            )
        ),
        desired_count=t.add_parameter(
            Parameter(
                "DesiredCount",
                Type="Number",
                Default=2,
                MinValue=0,
                MaxValue=1000,
                Description="How many copies of the task to run",
            )
        ),
        role=t.add_parameter(
            Parameter(
                "Role",
                Type="String",
                Default="",
                AllowedPattern=r"^$|^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$",
                ConstraintDescription="an IAM role ARN, or empty",
                Description="Optional IAM role ARN for the task, if the containers call AWS APIs (S3 buckets, "
                "DynamoDB tables...); empty gives them no AWS permissions",
            )
        ),
        health_check_path=t.add_parameter(
            Parameter(
                "HealthCheckPath",
                Type="String",
                Default="/",
                AllowedPattern=r"^/[A-Za-z0-9_\-.~/%?=&]{0,1023}$",
                ConstraintDescription="a path starting with /",
                Description="The path the load balancer requests to check a task is healthy",
            )
        ),
        log_retention=t.add_parameter(
            Parameter(
                "LogRetentionDays",
                Type="Number",
                Default=30,
                AllowedValues=LOG_RETENTION_DAYS,
                Description="Days the container logs are kept",
            )
        ),
    )
    t.add_condition("HasCustomRole", Not(Equals(Ref(p.role), "")))
    _cpu_memory_rules(t, p.cpu, p.memory)
    return p


SERVICE_LABELS = {
    "StackName": "Networking stack name",
    "ServiceName": "Service name",
    "ImageUrl": "Container image",
    "ContainerPort": "Container port",
    "ContainerCpu": "Task CPU units",
    "ContainerMemory": "Task memory (MiB)",
    "Path": "Load balancer path",
    "Priority": "Listener rule priority",
    "DesiredCount": "Number of tasks",
    "Role": "Task role ARN",
    "HealthCheckPath": "Health check path",
    "LogRetentionDays": "Log retention (days)",
}


def service_interface(
    t: Template, p: ServiceParameters, containers: list[Parameter], labels: dict[str, str] | None = None
) -> None:
    interface(
        t,
        [
            ("Networking stack", [p.stack_name]),
            ("Service", [p.service_name, *containers, p.role]),
            ("Capacity", [p.cpu, p.memory, p.desired_count]),
            ("Load balancing", [p.path, p.priority, p.health_check_path]),
            ("Logging", [p.log_retention]),
        ],
        labels={**SERVICE_LABELS, **(labels or {})},
    )


def _cpu_memory_rules(t: Template, cpu: Parameter, memory: Parameter) -> None:
    # Rules see parameter values as strings, so the allowed values are strings too.
    for units, sizes in FARGATE_MEMORY.items():
        t.add_rule(
            f"Cpu{units}Memory",
            {
                "RuleCondition": Equals(Ref(cpu), str(units)),
                "Assertions": [
                    {
                        "Assert": {"Fn::Contains": [[str(size) for size in sizes], Ref(memory)]},
                        "AssertDescription": f"With ContainerCpu {units}, ContainerMemory must be one of "
                        f"{', '.join(str(size) for size in sizes)}",
                    }
                ],
            },
        )


def container_logs(group: LogGroup, stream_prefix: object) -> LogConfiguration:
    return LogConfiguration(
        LogDriver="awslogs",
        Options={
            "awslogs-group": Ref(group),
            "awslogs-region": Ref("AWS::Region"),
            "awslogs-stream-prefix": stream_prefix,
        },
    )


def service_log_group(t: Template, p: ServiceParameters) -> LogGroup:
    return log_group(t, "LogGroup", retention_days=Ref(p.log_retention))


def service(
    t: Template,
    p: ServiceParameters,
    *,
    containers: list[ContainerDefinition],
    target_container: object,
    target_port: object,
    subnets: str,
    listener: str,
    assign_public_ip: bool,
) -> Service:
    """Task definition, target group, listener rule and Fargate service.

    `subnets` is "Public" or "Private" (the networking stack's <x>SubnetOne/Two
    exports), `listener` the export of the listener to add the rule to.
    """
    task_definition = t.add_resource(
        TaskDefinition(
            "TaskDefinition",
            Family=Ref(p.service_name),
            Cpu=Ref(p.cpu),
            Memory=Ref(p.memory),
            NetworkMode="awsvpc",
            RequiresCompatibilities=["FARGATE"],
            ExecutionRoleArn=imported("ECSTaskExecutionRole"),
            TaskRoleArn=If("HasCustomRole", Ref(p.role), Ref("AWS::NoValue")),
            ContainerDefinitions=containers,
        )
    )
    target_group = t.add_resource(
        TargetGroup(
            "TargetGroup",
            TargetType="ip",
            Port=target_port,
            Protocol="HTTP",
            ProtocolVersion="HTTP1",
            VpcId=imported("VPCId"),
            HealthCheckEnabled=True,
            HealthCheckPath=Ref(p.health_check_path),
            HealthCheckProtocol="HTTP",
            HealthCheckIntervalSeconds=10,
            HealthCheckTimeoutSeconds=5,
            HealthyThresholdCount=2,
            UnhealthyThresholdCount=3,
            Matcher=Matcher(HttpCode="200-399"),
            TargetGroupAttributes=[TargetGroupAttribute(Key="deregistration_delay.timeout_seconds", Value="30")],
        )
    )
    rule = t.add_resource(
        ListenerRule(
            "LoadBalancerRule",
            ListenerArn=imported(listener),
            Priority=Ref(p.priority),
            Conditions=[Condition(Field="path-pattern", PathPatternConfig=PathPatternConfig(Values=[Ref(p.path)]))],
            Actions=[ListenerRuleAction(Type="forward", TargetGroupArn=Ref(target_group))],
        )
    )
    ecs_service = Service(
        "Service",
        DependsOn=[rule.title],  # the target group must be attached to the load balancer first
        ServiceName=Ref(p.service_name),
        Cluster=imported("ClusterName"),
        LaunchType="FARGATE",
        PlatformVersion="LATEST",
        DesiredCount=Ref(p.desired_count),
        TaskDefinition=Ref(task_definition),
        DeploymentController=DeploymentController(Type="ECS"),
        DeploymentConfiguration=DeploymentConfiguration(
            MaximumPercent=200,
            MinimumHealthyPercent=100,
            DeploymentCircuitBreaker=DeploymentCircuitBreaker(Enable=True, Rollback=True),
        ),
        HealthCheckGracePeriodSeconds=60,
        NetworkConfiguration=NetworkConfiguration(
            AwsvpcConfiguration=AwsvpcConfiguration(
                AssignPublicIp="ENABLED" if assign_public_ip else "DISABLED",
                SecurityGroups=[imported("FargateContainerSecurityGroup")],
                Subnets=[imported(f"{subnets}SubnetOne"), imported(f"{subnets}SubnetTwo")],
            )
        ),
        LoadBalancers=[
            LoadBalancer(ContainerName=target_container, ContainerPort=target_port, TargetGroupArn=Ref(target_group))
        ],
        EnableECSManagedTags=True,
        PropagateTags="SERVICE",
    )
    t.add_resource(ecs_service)
    t.add_output(Output("ServiceArn", Description="The ARN of the ECS service", Value=Ref(ecs_service)))
    t.add_output(Output("TargetGroupArn", Description="The ARN of the service's target group", Value=Ref(target_group)))
    return ecs_service


def single_container_service(t: Template, *, subnets: str, listener: str, assign_public_ip: bool) -> None:
    """The body of the three one-container service stacks."""
    image = image_parameter(
        t,
        "ImageUrl",
        description="The image of the container that handles the service's traffic (pin a tag or digest)",
    )
    port = port_parameter(t)
    p = service_parameters(t)
    service_interface(t, p, [image, port])
    group = service_log_group(t, p)
    container = ContainerDefinition(
        Name=Ref(p.service_name),
        Image=Ref(image),
        Essential=True,
        PortMappings=[PortMapping(ContainerPort=Ref(port), Protocol="tcp")],
        LogConfiguration=container_logs(group, Ref(p.service_name)),
    )
    service(
        t,
        p,
        containers=[container],
        target_container=Ref(p.service_name),
        target_port=Ref(port),
        subnets=subnets,
        listener=listener,
        assign_public_ip=assign_public_ip,
    )
