"""Web and application tiers of the CJIS reference environment (child of `cjis-reference`).

Traffic path, encrypted end to end:

    internet -> WAF -> ALB (HTTPS 443, TLS 1.2/1.3; HTTP 80 only redirects)
             -> web tier (HTTPS 443) -> internal NLB (TCP 8443, pass-through)
             -> application tier (TLS 8443) -> database (cjis-database)

- The internet-facing Application Load Balancer terminates TLS with the
  certificate you give (ACM, this region) and policy
  ELBSecurityPolicy-TLS13-1-2-2021-06, drops invalid headers, writes access
  logs to the SSE-S3 access-log bucket, and is protected by a WAFv2 web ACL:
  a per-IP rate limit and the AWS managed Common, Known bad inputs and SQL
  injection rule groups; WAF logs (optional) go to an encrypted log group
  with the Authorization and Cookie headers redacted.
- The web and application tiers are Auto Scaling groups in the private
  application subnets, from launch templates (IMDSv2 only, encrypted gp3
  volumes, detailed monitoring), with target-tracking CPU scaling. Instances
  are reached only through Session Manager (tagged for `cjis-iam`'s admin
  policy); no security group opens SSH or RDP.
- The application tier sits behind an internal Network Load Balancer in TCP
  pass-through, so TLS runs from the web tier to the application servers.
  The user data installs nginx with a self-signed certificate as a
  placeholder; replace it with your application and certificates.
- CloudWatch alarms on load balancer 5xx errors, unhealthy hosts, sustained
  CPU and WAF blocks notify the environment's alarm topic.
"""

from troposphere import (
    Equals,
    GetAtt,
    Join,
    Output,
    Parameter,
    Ref,
    Sub,
    Template,
)
from troposphere.autoscaling import (
    AutoScalingGroup,
    LaunchTemplateSpecification,
    MetricsCollection,
    PredefinedMetricSpecification,
    ScalingPolicy,
    TargetTrackingConfiguration,
)
from troposphere.autoscaling import Tags as AsgTags
from troposphere.ec2 import SecurityGroup, SecurityGroupEgress, SecurityGroupRule
from troposphere.elasticloadbalancingv2 import (
    Action,
    Certificate,
    Listener,
    LoadBalancer,
    LoadBalancerAttributes,
    Matcher,
    RedirectConfig,
    TargetGroup,
    TargetGroupAttribute,
)
from troposphere.policies import AutoScalingRollingUpdate, UpdatePolicy
from troposphere.wafv2 import (
    AllowAction,
    BlockAction,
    DefaultAction,
    LoggingConfiguration,
    LoggingConfigurationFieldToMatch,
    ManagedRuleGroupStatement,
    OverrideAction,
    RateBasedStatement,
    RuleAction,
    SingleHeader,
    VisibilityConfig,
    WebACL,
    WebACLAssociation,
    WebACLRule,
)
from troposphere.wafv2 import Statement as WafStatement

from cfn_catalog.blocks.cjis_environment import (
    ALB_LOG_PREFIX,
    BUCKET_PATTERN,
    ENVIRONMENT_TAG,
    alarm,
    audit_log_group,
    environment_parameter,
    kms_key_arn_parameter,
    retention_parameter,
    switch_parameter,
    topic_arn_parameter,
    vpc_cidr_parameter,
)
from cfn_catalog.blocks.ec2 import (
    OPTIONAL_KEY_PAIR_PATTERN,
    ami_parameter,
    key_name_value,
    launch_template,
    optional_key_name,
)
from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.cjis import controls
from cfn_catalog.registry import register

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
WEB_PORT = 443
APP_PORT = 8443
HEALTH_PATH = "/health"
CPU_TARGET = 60.0
INSTANCE_TYPES = [
    "t3.medium",
    "t3.large",
    "m7i.large",
    "m7i.xlarge",
    "m7i.2xlarge",
    "c7i.large",
    "c7i.xlarge",
    "r7i.large",
    "r7i.xlarge",
]
MANAGED_RULE_GROUPS = [
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
]
RATE_LIMIT_PER_5_MINUTES = 2000

_NGINX = r"""#!/bin/bash
# Placeholder {tier} tier: nginx over TLS with a self-signed certificate
# (load balancers do not verify target certificates). Replace with your application.
set -euo pipefail
dnf install -y nginx openssl
install -d -m 700 /etc/nginx/tls
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN={tier}" \
  -keyout /etc/nginx/tls/key.pem -out /etc/nginx/tls/cert.pem
cat > /etc/nginx/conf.d/cjis-{tier}.conf <<'EOF'
server {{
  listen {port} ssl;
  ssl_certificate /etc/nginx/tls/cert.pem;
  ssl_certificate_key /etc/nginx/tls/key.pem;
  ssl_protocols TLSv1.2 TLSv1.3;
  server_tokens off;
  location = {health} {{ return 200 'ok'; }}
{locations}}}
EOF
systemctl enable --now nginx
"""
WEB_LOCATIONS = (
    "  location /api/ {\n"
    "    proxy_pass https://${AppLoadBalancer.DNSName}:" + str(APP_PORT) + ";\n"
    "    proxy_ssl_protocols TLSv1.2 TLSv1.3;\n"
    "  }\n"
    "  location / { root /usr/share/nginx/html; }\n"
)
APP_LOCATIONS = '  location / { default_type application/json; return 200 \'{"tier":"application"}\'; }\n'


def user_data(tier: str, port: int, locations: str) -> str:
    return _NGINX.format(tier=tier, port=port, health=HEALTH_PATH, locations=locations)


def _size(t: Template, name: str, default: int, minimum: int, description: str) -> Parameter:
    return t.add_parameter(
        Parameter(name, Type="Number", Default=default, MinValue=minimum, MaxValue=50, Description=description)
    )


def workload_parameters(t: Template) -> dict[str, Parameter]:
    """Parameters of the workload itself, shared with the root that passes them down."""
    p: dict[str, Parameter] = {}
    p["CertificateArn"] = t.add_parameter(
        Parameter(
            "CertificateArn",
            Type="String",
            AllowedPattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$",
            ConstraintDescription="an ACM certificate ARN in this region",
            Description="ACM certificate of the public HTTPS listener (issued in this region)",
        )
    )
    for tier, label in (("Web", "web"), ("App", "application")):
        p[f"{tier}InstanceType"] = t.add_parameter(
            Parameter(
                f"{tier}InstanceType",
                Type="String",
                Default="m7i.large",
                AllowedValues=INSTANCE_TYPES,
                Description=f"Instance type of the {label} tier",
            )
        )
        p[f"{tier}TierMinSize"] = _size(t, f"{tier}TierMinSize", 2, 1, f"Minimum {label} servers (2+ spans both AZs)")
        p[f"{tier}TierMaxSize"] = _size(
            t, f"{tier}TierMaxSize", 6, 2, f"Maximum {label} servers (at least 2 for rolling updates)"
        )
    p["KeyPairName"] = t.add_parameter(
        Parameter(
            "KeyPairName",
            Type="String",
            Default="",
            AllowedPattern=OPTIONAL_KEY_PAIR_PATTERN,
            Description="Optional EC2 key pair for break-glass recovery; empty for none. No security group "
            "admits SSH: administration is through Session Manager",
        )
    )
    p["EnableWafLogging"] = switch_parameter(t, "EnableWafLogging", "Log web ACL decisions to CloudWatch Logs")
    return p


WORKLOAD_LABELS = {
    "CertificateArn": "Certificate ARN",
    "EnableWafLogging": "WAF logging",
    "WebInstanceType": "Web instance type",
    "WebTierMinSize": "Web tier minimum",
    "WebTierMaxSize": "Web tier maximum",
    "AppInstanceType": "Application instance type",
    "AppTierMinSize": "Application tier minimum",
    "AppTierMaxSize": "Application tier maximum",
    "KeyPairName": "Key pair (optional)",
}


def _parameters(t: Template) -> dict[str, Parameter]:
    p: dict[str, Parameter] = {"EnvironmentName": environment_parameter(t)}
    p["VpcId"] = t.add_parameter(
        Parameter("VpcId", Type="AWS::EC2::VPC::Id", Description="Production VPC (cjis-production-vpc VpcId)")
    )
    p["VpcCidr"] = vpc_cidr_parameter(t, "VpcCidr", "10.20.0.0/16", "CIDR block of that VPC")
    p["PublicSubnetIds"] = t.add_parameter(
        Parameter(
            "PublicSubnetIds",
            Type="List<AWS::EC2::Subnet::Id>",
            Description="Public subnets in two AZs for the internet-facing load balancer",
        )
    )
    p["AppSubnetIds"] = t.add_parameter(
        Parameter(
            "AppSubnetIds",
            Type="List<AWS::EC2::Subnet::Id>",
            Description="Private application subnets in two AZs for both tiers and the internal load balancer",
        )
    )
    p.update(workload_parameters(t))
    p["LatestAmiId"] = ami_parameter(t)
    p["InstanceProfileArn"] = t.add_parameter(
        Parameter(
            "InstanceProfileArn",
            Type="String",
            AllowedPattern=r"^arn:aws[a-z-]*:iam::\d{12}:instance-profile/[\w+=,.@/-]+$",
            ConstraintDescription="an IAM instance profile ARN",
            Description="Instance profile of the servers (cjis-iam ServerInstanceProfileArn)",
        )
    )
    p["AlarmTopicArn"] = topic_arn_parameter(t)
    p["AccessLogBucketName"] = t.add_parameter(
        Parameter(
            "AccessLogBucketName",
            Type="String",
            AllowedPattern=BUCKET_PATTERN,
            ConstraintDescription="an S3 bucket name",
            Description="SSE-S3 bucket for load balancer access logs (cjis-logging AccessLogBucketName)",
        )
    )
    p["LogKmsKeyArn"] = kms_key_arn_parameter(t, "LogKmsKeyArn", "KMS key of the WAF log group (cjis-logging)")
    p["LogRetentionDays"] = retention_parameter(t)
    p["DeletionProtection"] = switch_parameter(
        t, "DeletionProtection", "Protect the load balancers from deletion (set false before deleting the stack)"
    )
    groups = [
        ("Environment", ["EnvironmentName", "AlarmTopicArn"]),
        ("Network (from cjis-production-vpc)", ["VpcId", "VpcCidr", "PublicSubnetIds", "AppSubnetIds"]),
        ("Load balancer and WAF", ["CertificateArn", "DeletionProtection", "EnableWafLogging"]),
        (
            "Servers",
            [
                "WebInstanceType",
                "WebTierMinSize",
                "WebTierMaxSize",
                "AppInstanceType",
                "AppTierMinSize",
                "AppTierMaxSize",
                "LatestAmiId",
                "KeyPairName",
                "InstanceProfileArn",
            ],
        ),
        ("Logging (from cjis-logging)", ["AccessLogBucketName", "LogKmsKeyArn", "LogRetentionDays"]),
    ]
    interface(
        t,
        [(label, [p[name] for name in names]) for label, names in groups],
        labels={
            "EnvironmentName": "Environment name",
            "AlarmTopicArn": "Alarm topic ARN",
            "VpcId": "VPC",
            "VpcCidr": "VPC CIDR",
            "PublicSubnetIds": "Public subnets",
            "AppSubnetIds": "Application subnets",
            "DeletionProtection": "Deletion protection",
            "LatestAmiId": "AMI (SSM parameter)",
            "InstanceProfileArn": "Instance profile ARN",
            "AccessLogBucketName": "Access log bucket",
            "LogKmsKeyArn": "Log KMS key ARN",
            "LogRetentionDays": "Log retention (days)",
            **WORKLOAD_LABELS,
        },
    )
    optional_key_name(t, p["KeyPairName"])
    t.add_condition("EnableWafLogging", Equals(Ref(p["EnableWafLogging"]), "true"))
    return p


def _rule(port: int, description: str, *, cidr=None, source=None, destination=None) -> SecurityGroupRule:
    props: dict = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "Description": description}
    if cidr is not None:
        props["CidrIp"] = cidr
    if source is not None:
        props["SourceSecurityGroupId"] = Ref(source)
    if destination is not None:
        props["DestinationSecurityGroupId"] = Ref(destination)
    return SecurityGroupRule(**props)


def _security_groups(t: Template, p: dict) -> dict[str, SecurityGroup]:
    def group(name: str, description: str, ingress, egress) -> SecurityGroup:
        return controls(
            t.add_resource(
                SecurityGroup(
                    name,
                    GroupDescription=description,
                    VpcId=Ref(p["VpcId"]),
                    SecurityGroupIngress=ingress,
                    SecurityGroupEgress=egress,
                )
            ),
            "5.10",
        )

    vpc_cidr = Ref(p["VpcCidr"])
    alb = group(
        "LoadBalancerSecurityGroup",
        "Internet-facing load balancer: HTTPS from anywhere, HTTP only to redirect",
        [
            _rule(443, "HTTPS from the internet", cidr="0.0.0.0/0"),
            _rule(80, "HTTP from the internet, answered with a redirect to HTTPS", cidr="0.0.0.0/0"),
        ],
        [_rule(WEB_PORT, "HTTPS to the web tier", cidr=vpc_cidr)],
    )
    accept_findings(
        alb,
        checkov={
            "CKV_AWS_260": "port 80 is open only so the listener can redirect browsers to HTTPS; it forwards nothing",
        },
    )
    web = group(
        "WebSecurityGroup",
        "Web tier: HTTPS from the public load balancer only",
        [_rule(WEB_PORT, "HTTPS from the public load balancer", source=alb)],
        [_rule(443, "HTTPS to AWS APIs (Systems Manager, CloudWatch) and OS updates", cidr="0.0.0.0/0")],
    )
    nlb = group(
        "AppLoadBalancerSecurityGroup",
        "Internal load balancer of the application tier: TLS from the web tier only",
        [_rule(APP_PORT, "TLS from the web tier", source=web)],
        [_rule(APP_PORT, "TLS to the application tier", cidr=vpc_cidr)],
    )
    t.add_resource(
        SecurityGroupEgress(
            "WebToAppLoadBalancerEgress",
            GroupId=Ref(web),
            IpProtocol="tcp",
            FromPort=APP_PORT,
            ToPort=APP_PORT,
            DestinationSecurityGroupId=Ref(nlb),
            Description="TLS to the application tier's load balancer",
        )
    )
    app = group(
        "AppSecurityGroup",
        "Application tier: TLS from its internal load balancer only",
        [_rule(APP_PORT, "TLS from the internal load balancer", source=nlb)],
        [_rule(443, "HTTPS to AWS APIs (Systems Manager, CloudWatch) and OS updates", cidr="0.0.0.0/0")],
    )
    return {"alb": alb, "web": web, "nlb": nlb, "app": app}


def _load_balancers(t: Template, p: dict, groups: dict):
    protection = LoadBalancerAttributes(Key="deletion_protection.enabled", Value=Ref(p["DeletionProtection"]))
    alb = t.add_resource(
        LoadBalancer(
            "LoadBalancer",
            Type="application",
            Scheme="internet-facing",
            Subnets=Ref(p["PublicSubnetIds"]),
            SecurityGroups=[Ref(groups["alb"])],
            LoadBalancerAttributes=[
                protection,
                LoadBalancerAttributes(Key="access_logs.s3.enabled", Value="true"),
                LoadBalancerAttributes(Key="access_logs.s3.bucket", Value=Ref(p["AccessLogBucketName"])),
                LoadBalancerAttributes(Key="access_logs.s3.prefix", Value=ALB_LOG_PREFIX),
                LoadBalancerAttributes(Key="routing.http.drop_invalid_header_fields.enabled", Value="true"),
                LoadBalancerAttributes(Key="routing.http.desync_mitigation_mode", Value="defensive"),
            ],
        )
    )
    controls(alb, "5.4", "5.10")
    web_tg = t.add_resource(
        TargetGroup(
            "WebTargetGroup",
            VpcId=Ref(p["VpcId"]),
            TargetType="instance",
            Protocol="HTTPS",
            Port=WEB_PORT,
            HealthCheckProtocol="HTTPS",
            HealthCheckPath=HEALTH_PATH,
            Matcher=Matcher(HttpCode="200"),
            TargetGroupAttributes=[TargetGroupAttribute(Key="deregistration_delay.timeout_seconds", Value="60")],
        )
    )
    https = t.add_resource(
        Listener(
            "HttpsListener",
            LoadBalancerArn=Ref(alb),
            Port=443,
            Protocol="HTTPS",
            SslPolicy=TLS_POLICY,
            Certificates=[Certificate(CertificateArn=Ref(p["CertificateArn"]))],
            DefaultActions=[Action(Type="forward", TargetGroupArn=Ref(web_tg))],
        )
    )
    controls(https, "5.10")
    redirect = t.add_resource(
        Listener(
            "HttpRedirectListener",
            LoadBalancerArn=Ref(alb),
            Port=80,
            Protocol="HTTP",
            DefaultActions=[
                Action(
                    Type="redirect",
                    RedirectConfig=RedirectConfig(Protocol="HTTPS", Port="443", StatusCode="HTTP_301"),
                )
            ],
        )
    )
    controls(redirect, "5.10")

    nlb = t.add_resource(
        LoadBalancer(
            "AppLoadBalancer",
            Type="network",
            Scheme="internal",
            Subnets=Ref(p["AppSubnetIds"]),
            SecurityGroups=[Ref(groups["nlb"])],
            LoadBalancerAttributes=[
                protection,
                LoadBalancerAttributes(Key="load_balancing.cross_zone.enabled", Value="true"),
            ],
        )
    )
    accept_findings(
        nlb,
        checkov={
            "CKV_AWS_91": "TCP pass-through keeps TLS end to end to the application servers; NLB access logs "
            "exist only for TLS listeners, and VPC flow logs record these connections",
        },
    )
    controls(nlb, "5.10")
    app_tg = t.add_resource(
        TargetGroup(
            "AppTargetGroup",
            VpcId=Ref(p["VpcId"]),
            TargetType="instance",
            Protocol="TCP",
            Port=APP_PORT,
            HealthCheckProtocol="HTTPS",
            HealthCheckPath=HEALTH_PATH,
            TargetGroupAttributes=[TargetGroupAttribute(Key="deregistration_delay.timeout_seconds", Value="60")],
        )
    )
    t.add_resource(
        Listener(
            "AppListener",
            LoadBalancerArn=Ref(nlb),
            Port=APP_PORT,
            Protocol="TCP",
            DefaultActions=[Action(Type="forward", TargetGroupArn=Ref(app_tg))],
        )
    )
    return alb, web_tg, nlb, app_tg


def _visibility(name: str) -> VisibilityConfig:
    return VisibilityConfig(SampledRequestsEnabled=True, CloudWatchMetricsEnabled=True, MetricName=name)


def _waf(t: Template, p: dict, alb):
    rules = [
        WebACLRule(
            Name="RateLimitPerIp",
            Priority=0,
            Action=RuleAction(Block=BlockAction()),
            Statement=WafStatement(
                RateBasedStatement=RateBasedStatement(Limit=RATE_LIMIT_PER_5_MINUTES, AggregateKeyType="IP")
            ),
            VisibilityConfig=_visibility("RateLimitPerIp"),
        )
    ]
    for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1):
        rules.append(
            WebACLRule(
                Name=group,
                Priority=priority,
                OverrideAction=OverrideAction(**{"None": {}}),
                Statement=WafStatement(
                    ManagedRuleGroupStatement=ManagedRuleGroupStatement(VendorName="AWS", Name=group)
                ),
                VisibilityConfig=_visibility(group),
            )
        )
    acl = t.add_resource(
        WebACL(
            "WebAcl",
            Name=Ref("AWS::StackName"),  # unique in the region; <= 128 characters, as a web ACL name must be
            Description="Protects the public load balancer of the CJIS environment",
            Scope="REGIONAL",
            DefaultAction=DefaultAction(Allow=AllowAction()),
            Rules=rules,
            VisibilityConfig=_visibility("WebAcl"),
        )
    )
    controls(acl, "5.10")
    controls(
        t.add_resource(WebACLAssociation("WebAclAssociation", ResourceArn=Ref(alb), WebACLArn=GetAtt(acl, "Arn"))),
        "5.10",
    )
    audit_log_group(
        t,
        "WafLogGroup",
        retention=Ref(p["LogRetentionDays"]),
        kms_key_arn=Ref(p["LogKmsKeyArn"]),
        log_group_name=Sub("aws-waf-logs-${AWS::StackName}"),
        condition="EnableWafLogging",
    )
    logging = t.add_resource(
        LoggingConfiguration(
            "WafLogging",
            Condition="EnableWafLogging",
            ResourceArn=GetAtt(acl, "Arn"),
            # WAF wants the group ARN without the ":*" that GetAtt Arn ends with.
            LogDestinationConfigs=[
                Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${WafLogGroup}")
            ],
            RedactedFields=[
                LoggingConfigurationFieldToMatch(SingleHeader=SingleHeader(Name="authorization")),
                LoggingConfigurationFieldToMatch(SingleHeader=SingleHeader(Name="cookie")),
            ],
        )
    )
    controls(logging, "5.4")
    return acl


def _tier(t: Template, p: dict, *, tier: str, label: str, group, target_group, port: int, locations: str):
    template = launch_template(
        t,
        f"{tier}LaunchTemplate",
        image_id=Ref(p["LatestAmiId"]),
        instance_type=Ref(p[f"{tier}InstanceType"]),
        instance_profile=Ref(p["InstanceProfileArn"]),
        security_group_ids=[Ref(group)],
        user_data=Sub(text) if "${" in (text := user_data(label, port, locations)) else text,
        key_name=key_name_value(p["KeyPairName"]),
        name_tag=Sub(f"${{EnvironmentName}}-{label}"),
    )
    controls(template, "5.7", "5.10")
    asg = t.add_resource(
        AutoScalingGroup(
            f"{tier}AutoScalingGroup",
            LaunchTemplate=LaunchTemplateSpecification(
                LaunchTemplateId=Ref(template), Version=GetAtt(template, "LatestVersionNumber")
            ),
            MinSize=Ref(p[f"{tier}TierMinSize"]),
            MaxSize=Ref(p[f"{tier}TierMaxSize"]),
            VPCZoneIdentifier=Ref(p["AppSubnetIds"]),
            TargetGroupARNs=[Ref(target_group)],
            HealthCheckType="ELB",
            HealthCheckGracePeriod=300,
            MetricsCollection=[MetricsCollection(Granularity="1Minute")],
            Tags=AsgTags(**{ENVIRONMENT_TAG: Ref(p["EnvironmentName"])}),
            UpdatePolicy=UpdatePolicy(
                AutoScalingRollingUpdate=AutoScalingRollingUpdate(
                    MaxBatchSize=1, MinInstancesInService=1, PauseTime="PT5M"
                )
            ),
        )
    )
    t.add_resource(
        ScalingPolicy(
            f"{tier}CpuScalingPolicy",
            AutoScalingGroupName=Ref(asg),
            PolicyType="TargetTrackingScaling",
            TargetTrackingConfiguration=TargetTrackingConfiguration(
                PredefinedMetricSpecification=PredefinedMetricSpecification(
                    PredefinedMetricType="ASGAverageCPUUtilization"
                ),
                TargetValue=CPU_TARGET,
            ),
        )
    )
    alarm(
        t,
        f"{tier}TierCpuHighAlarm",
        topic=p["AlarmTopicArn"],
        description=f"The {label} tier has run above 85% CPU for 15 minutes despite scaling",
        namespace="AWS/EC2",
        metric="CPUUtilization",
        dimensions={"AutoScalingGroupName": Ref(asg)},
        statistic="Average",
        threshold=85,
        periods=3,
    )
    return asg


@register
def build() -> Template:
    t = Template(
        Description="CJIS reference environment - application: WAF-protected HTTPS load balancer, web and "
        "application tiers in Auto Scaling groups (IMDSv2, encrypted volumes), TLS end to end, alarms"
    )
    p = _parameters(t)
    groups = _security_groups(t, p)
    alb, web_tg, nlb, app_tg = _load_balancers(t, p, groups)
    acl = _waf(t, p, alb)
    web = _tier(
        t, p, tier="Web", label="web", group=groups["web"], target_group=web_tg, port=WEB_PORT, locations=WEB_LOCATIONS
    )
    app = _tier(
        t,
        p,
        tier="App",
        label="application",
        group=groups["app"],
        target_group=app_tg,
        port=APP_PORT,
        locations=APP_LOCATIONS,
    )
    alb_name = GetAtt(alb, "LoadBalancerFullName")
    alarm(
        t,
        "LoadBalancer5xxAlarm",
        topic=p["AlarmTopicArn"],
        description="The public load balancer returned 5xx errors of its own",
        namespace="AWS/ApplicationELB",
        metric="HTTPCode_ELB_5XX_Count",
        dimensions={"LoadBalancer": alb_name},
        statistic="Sum",
        threshold=10,
    )
    alarm(
        t,
        "WebUnhealthyHostsAlarm",
        topic=p["AlarmTopicArn"],
        description="A web server fails its health check",
        namespace="AWS/ApplicationELB",
        metric="UnHealthyHostCount",
        dimensions={"TargetGroup": GetAtt(web_tg, "TargetGroupFullName"), "LoadBalancer": alb_name},
        statistic="Maximum",
        threshold=1,
        periods=3,
        period=60,
    )
    alarm(
        t,
        "AppUnhealthyHostsAlarm",
        topic=p["AlarmTopicArn"],
        description="An application server fails its health check",
        namespace="AWS/NetworkELB",
        metric="UnHealthyHostCount",
        dimensions={
            "TargetGroup": GetAtt(app_tg, "TargetGroupFullName"),
            "LoadBalancer": GetAtt(nlb, "LoadBalancerFullName"),
        },
        statistic="Maximum",
        threshold=1,
        periods=3,
        period=60,
    )
    alarm(
        t,
        "WafBlockedRequestsAlarm",
        topic=p["AlarmTopicArn"],
        description="The web ACL is blocking many requests (possible attack)",
        namespace="AWS/WAFV2",
        metric="BlockedRequests",
        dimensions={"WebACL": Ref("AWS::StackName"), "Region": Ref("AWS::Region"), "Rule": "ALL"},
        statistic="Sum",
        threshold=100,
    )

    dns = GetAtt(alb, "DNSName")
    for name, description, value in (
        ("LoadBalancerDnsName", "DNS name of the public load balancer (point your domain's alias here)", dns),
        ("LoadBalancerUrl", "HTTPS URL of the load balancer", Join("", ["https://", dns])),
        ("LoadBalancerArn", "ARN of the public load balancer", Ref(alb)),
        ("AppLoadBalancerDnsName", "DNS name of the internal application load balancer", GetAtt(nlb, "DNSName")),
        ("WebAclArn", "ARN of the WAF web ACL", GetAtt(acl, "Arn")),
        ("WebSecurityGroupId", "Security group of the web tier", Ref(groups["web"])),
        ("AppSecurityGroupId", "Security group of the application tier (the database admits it)", Ref(groups["app"])),
        ("WebAutoScalingGroupName", "Auto Scaling group of the web tier", Ref(web)),
        ("AppAutoScalingGroupName", "Auto Scaling group of the application tier", Ref(app)),
    ):
        t.add_output(Output(name, Description=description, Value=value))
    return t
