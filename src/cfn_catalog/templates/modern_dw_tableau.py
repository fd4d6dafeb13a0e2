"""Tableau Server of the modern data warehouse (child of `modern-dw-workload`).

One Windows Server 2022 instance (AMI from AWS's public SSM parameter) in a
public subnet with an Elastic IP. Its security group (made by the workload)
admits 80/443 (Tableau) and 8850 (Tableau Services Manager) only from
TableauServerInboundCIDR. Administrators reach Windows through AWS Systems
Manager Session Manager (Fleet Manager for a desktop): there is no RDP rule and
no Remote Desktop Gateway as in the original Quick Start. IMDSv2 is required
and the root volume is encrypted.

PowerShell user data downloads the pinned Tableau Server release
(`<TableauServerInstallerBaseUrl>/<version>/TableauServer-64bit-<v-e-r>.exe`),
installs it silently, creates a local Windows administrator named
ContentAdminUser (TSM signs in with a local administrator), activates the
license key, registers with the Reg* values, selects the local identity
store, initializes and starts the server, and creates the initial Tableau
administrator ContentAdminUser. The password and license key never appear in
user data: the template puts them into a Secrets Manager secret (encrypted
with the workload key) that only this instance's role can read.

With an empty TableauServerLicenseKey the script activates a trial
(`tsm licenses activate -t`). The instance signals success to CloudFormation
only once Tableau Server runs: after activation, registration,
initialization, the initial administrator (created with tabcmd; when the
release does not ship tabcmd inside the server, the matching
`TableauServerTabcmd-64bit-<v-e-r>.exe` is installed from the same base URL)
and `tsm status` reporting RUNNING. Any failed step, including a release that
refuses a trial activation or no tabcmd to be found, signals FAILURE with the
reason (in the stack events; the whole log is C:\\tabsetup\\install.log), so
the stack never completes with a server that does not run. Tableau Server
listens on HTTP (port 80) until you enable TLS
(`tsm security external-ssl enable`).
"""

from awacs.aws import Allow, Condition, Statement, StringEquals
from awacs.kms import Decrypt
from awacs.secretsmanager import GetSecretValue
from troposphere import GetAtt, Join, Output, Parameter, Ref, Split, Sub, Template
from troposphere.ec2 import (
    EIP,
    EIPAssociation,
    Instance,
    LaunchTemplateSpecification,
    NetworkInterface,
    NetworkInterfaceProperty,
)
from troposphere.policies import CreationPolicy, ResourceSignal
from troposphere.secretsmanager import Secret

from cfn_catalog.blocks.ec2 import (
    WINDOWS_2022_BASE,
    ami_parameter,
    launch_template,
    optional_key_name,
    ssm_instance_role,
)
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register
from cfn_catalog.templates.modern_dw_sqlworker import KEY_PAIR_PARAMETER

INSTANCE = "TableauServerInstance"
# Tableau's minimum for production is 8 physical cores (16 vCPUs) and 64 GB; the r*.2xlarge sizes
# (8 vCPUs, 64 GB) suit a trial.
INSTANCE_TYPES = [
    "m6i.4xlarge",
    "m6i.8xlarge",
    "m6i.12xlarge",
    "m7i.4xlarge",
    "m7i.8xlarge",
    "r6i.2xlarge",
    "r6i.4xlarge",
    "r6i.8xlarge",
    "r7i.2xlarge",
    "r7i.4xlarge",
]
REGISTRATION = {
    "RegFirstName": ("first_name", "First name"),
    "RegLastName": ("last_name", "Last name"),
    "RegEmail": ("email", "Email"),
    "RegCompany": ("company", "Company"),
    "RegTitle": ("title", "Title"),
    "RegDepartment": ("department", "Department"),
    "RegIndustry": ("industry", "Industry"),
    "RegPhone": ("phone", "Phone"),
    "RegCity": ("city", "City"),
    "RegState": ("state", "State"),
    "RegZip": ("zip", "ZIP/postal code"),
    "RegCountry": ("country", "Country"),
}


def _registration_spec(label: str) -> dict:
    return {
        "Type": "String",
        "MinLength": 1,
        "MaxLength": 100,
        "Description": f"Tableau Server registration: {label}",
    }


TABLEAU_PARAMETERS: dict[str, dict] = {
    "TableauServerInstanceType": {
        "Type": "String",
        "Default": "m6i.4xlarge",
        "AllowedValues": INSTANCE_TYPES,
        "Description": "Instance type of Tableau Server (production minimum: 16 vCPUs, 64 GiB)",
    },
    "TableauServerVersion": {
        "Type": "String",
        "Default": "2024.2.9",
        "AllowedPattern": r"^20\d\d\.\d{1,2}\.\d{1,2}$",
        "ConstraintDescription": "a Tableau Server release such as 2024.2.9",
        "Description": "Tableau Server release to install",
    },
    "TableauServerInstallerBaseUrl": {
        "Type": "String",
        "Default": "https://downloads.tableau.com/esdalt",
        "AllowedPattern": r"^https://[A-Za-z0-9.-]+(/[A-Za-z0-9._~-]+)*$",
        "ConstraintDescription": "an https URL without a trailing '/'",
        "Description": "Base URL of the installers: <base>/<version>/TableauServer-64bit-<version with "
        "dashes>.exe (a mirror in your own bucket works too)",
    },
    "TableauServerLicenseKey": {
        "Type": "String",
        "Default": "",
        "NoEcho": True,
        "AllowedPattern": r"^[A-Za-z0-9-]{0,64}$",
        "ConstraintDescription": "a Tableau product key (letters, digits and dashes), or empty",
        "Description": "Tableau Server product key; empty activates a trial (the stack fails, naming the "
        "reason, if the release refuses one)",
    },
    "ContentAdminUser": {
        "Type": "String",
        "Default": "tabadmin",
        "AllowedPattern": r"^[A-Za-z][A-Za-z0-9._-]{0,19}$",
        "ConstraintDescription": "1-20 letters, digits, dots, dashes and underscores, starting with a letter",
        "Description": "Initial Tableau Server administrator, also the local Windows administrator that "
        "signs in to TSM",
    },
    "ContentAdminPassword": {
        "Type": "String",
        "NoEcho": True,
        "MinLength": 8,
        "MaxLength": 64,
        "AllowedPattern": r'^[^"\\]+$',
        "ConstraintDescription": "8-64 characters without double quotes or backslashes; Windows also requires "
        "three of: upper case, lower case, digit, symbol",
        "Description": "Password of ContentAdminUser (kept in AWS Secrets Manager, never in user data)",
    },
    **{name: _registration_spec(label) for name, (_, label) in REGISTRATION.items()},
}
TABLEAU_LABELS = {
    "TableauServerInstanceType": "Instance type",
    "TableauServerVersion": "Tableau Server version",
    "TableauServerInstallerBaseUrl": "Installer base URL",
    "TableauServerLicenseKey": "License key (empty: trial)",
    "ContentAdminUser": "Administrator user name",
    "ContentAdminPassword": "Administrator password",
    **{name: f"Registration: {label}" for name, (_, label) in REGISTRATION.items()},
}
PLACEMENT_PARAMETERS: dict[str, dict] = {
    "SubnetId": {"Type": "AWS::EC2::Subnet::Id", "Description": "Public subnet of Tableau Server"},
    "SecurityGroupId": {"Type": "AWS::EC2::SecurityGroup::Id", "Description": "Security group of Tableau Server"},
    "KmsKeyArn": {
        "Type": "String",
        "AllowedPattern": r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$",
        "ConstraintDescription": "a KMS key ARN",
        "Description": "KMS key that encrypts the Tableau Server secret",
    },
}


def powershell_quoted(parameter: str) -> Join:
    """The parameter's value with every ' doubled, for a single-quoted PowerShell string."""
    return Join("''", Split("'", Ref(parameter)))


def user_data() -> Sub:
    """PowerShell that installs and configures Tableau Server (a Fn::Sub string)."""
    registration = "; ".join(f"{key} = '${{{name}}}'" for name, (key, _) in REGISTRATION.items())
    script = rf"""<powershell>
# Cmdlets stop on error; native tools are checked by exit code (their stderr is no error).
$PSDefaultParameterValues = @{{ '*:ErrorAction' = 'Stop' }}
$ProgressPreference = 'SilentlyContinue'
New-Item -ItemType Directory -Force -Path C:\tabsetup | Out-Null
Start-Transcript -Path C:\tabsetup\install.log -Append
function Send-Signal([int]$Code, [string]$Reason) {{
  & 'C:\Program Files\Amazon\cfn-bootstrap\cfn-signal.exe' -e $Code --reason $Reason --stack '${{AWS::StackName}}' --resource {INSTANCE} --region '${{AWS::Region}}'
}}
function Invoke-Tsm {{ & $script:tsm @args; if ($LASTEXITCODE) {{ throw "tsm $($args[0]) failed ($LASTEXITCODE)" }} }}
function Write-Json($Value, $Path) {{ [IO.File]::WriteAllText($Path, ($Value | ConvertTo-Json -Depth 5)) }}
function Find-Tabcmd {{
  $roots = 'C:\Program Files\Tableau\Tableau Server\packages', 'C:\Program Files\Tableau\Tabcmd'
  (Get-ChildItem $roots -Recurse -Filter tabcmd.exe -ErrorAction SilentlyContinue | Select-Object -First 1).FullName
}}
try {{
  $secret = (Get-SECSecretValue -SecretId '${{TableauServerSecret}}' -Region '${{AWS::Region}}').SecretString | ConvertFrom-Json
  $user = '${{ContentAdminUser}}'
  $password = $secret.password
  if (-not (Get-LocalUser -Name $user -ErrorAction SilentlyContinue)) {{
    New-LocalUser -Name $user -Password (ConvertTo-SecureString $password -AsPlainText -Force) -PasswordNeverExpires | Out-Null
    Add-LocalGroupMember -Group Administrators -Member $user
  }}
  $version = '${{TableauServerVersion}}'
  $installer = "C:\tabsetup\TableauServer-$version.exe"
  Invoke-WebRequest -UseBasicParsing -OutFile $installer -Uri "${{TableauServerInstallerBaseUrl}}/$version/TableauServer-64bit-$($version.Replace('.', '-')).exe"
  $setup = Start-Process -FilePath $installer -ArgumentList '/silent', '/norestart', '/log', 'C:\tabsetup\setup.log', 'ACCEPTEULA=1', 'ACTIVATIONSERVICE=0' -Wait -PassThru
  if ($setup.ExitCode -notin 0, 3010) {{ throw "setup exit code $($setup.ExitCode)" }}
  $packages = 'C:\Program Files\Tableau\Tableau Server\packages'
  $script:tsm = (Get-ChildItem $packages -Recurse -Filter tsm.cmd | Select-Object -First 1).FullName
  New-NetFirewallRule -DisplayName 'Tableau Server' -Direction Inbound -Protocol TCP -LocalPort 80, 443, 8850 -Action Allow | Out-Null
  Invoke-Tsm login -u "$env:COMPUTERNAME\$user" -p $password
  if ($secret.licenseKey) {{ Invoke-Tsm licenses activate -k $secret.licenseKey }}
  else {{
    & $script:tsm licenses activate -t
    if ($LASTEXITCODE) {{ throw 'no TableauServerLicenseKey and this release refused a trial activation: give a product key' }}
  }}
  Write-Json ([ordered]@{{ {registration}; eula = 'yes' }}) C:\tabsetup\registration.json
  Invoke-Tsm register --file C:\tabsetup\registration.json
  Write-Json @{{ configEntities = @{{ identityStore = @{{ '_type' = 'identityStoreType'; type = 'local' }} }} }} C:\tabsetup\identity.json
  Invoke-Tsm settings import -f C:\tabsetup\identity.json
  Invoke-Tsm pending-changes apply --ignore-prompt
  Invoke-Tsm initialize --start-server --request-timeout 1800
  $tabcmd = Find-Tabcmd
  if (-not $tabcmd) {{
    # Releases that ship tabcmd separately: its installer sits beside the server's.
    $tabcmdSetup = "C:\tabsetup\TableauServerTabcmd-$version.exe"
    Invoke-WebRequest -UseBasicParsing -OutFile $tabcmdSetup -Uri "${{TableauServerInstallerBaseUrl}}/$version/TableauServerTabcmd-64bit-$($version.Replace('.', '-')).exe"
    $setup = Start-Process -FilePath $tabcmdSetup -ArgumentList '/silent', '/norestart', 'ACCEPTEULA=1' -Wait -PassThru
    if ($setup.ExitCode -notin 0, 3010) {{ throw "tabcmd setup exit code $($setup.ExitCode)" }}
    $tabcmd = Find-Tabcmd
  }}
  if (-not $tabcmd) {{ throw 'tabcmd not found: the initial administrator could not be created' }}
  & $tabcmd initialuser --server http://localhost --username $user --password $password
  if ($LASTEXITCODE) {{ throw "tabcmd initialuser failed ($LASTEXITCODE)" }}
  $status = (& $script:tsm status) -join ' '
  if ($LASTEXITCODE -or $status -notmatch 'RUNNING') {{ throw "Tableau Server is not running: $status" }}
  Send-Signal 0 'Tableau Server is running'
}} catch {{
  Write-Output $_
  $reason = "$($_.Exception.Message)" -replace '[\r\n"]', ' '
  if ($reason.Length -gt 200) {{ $reason = $reason.Substring(0, 200) }}
  Send-Signal 1 "Tableau Server setup failed: $reason (C:\tabsetup\install.log)"
}}
</powershell>
"""
    return Sub(script, **{name: powershell_quoted(name) for name in REGISTRATION})


@register
def build() -> Template:
    t = Template(
        Description="Modern data warehouse: Tableau Server on Windows Server 2022, installed by PowerShell "
        "user data, administered through Session Manager (child of modern-dw-workload)"
    )
    params = {name: t.add_parameter(Parameter(name, **spec)) for name, spec in TABLEAU_PARAMETERS.items()}
    key_pair = t.add_parameter(Parameter("KeyPairName", **KEY_PAIR_PARAMETER))
    ami = ami_parameter(t, "LatestWindowsAmiId", default=WINDOWS_2022_BASE)
    placement = {name: t.add_parameter(Parameter(name, **spec)) for name, spec in PLACEMENT_PARAMETERS.items()}
    interface(
        t,
        [
            ("Tableau Server", [*params.values(), key_pair, ami]),
            ("Placement (from the workload)", list(placement.values())),
        ],
        labels={**TABLEAU_LABELS, "KeyPairName": "Key pair (optional)", "LatestWindowsAmiId": "Windows AMI"},
    )
    key_name = optional_key_name(t, key_pair)
    key = Ref(placement["KmsKeyArn"])

    secret = Secret(
        "TableauServerSecret",
        Description="Tableau Server administrator password and product key, read once by the instance",
        KmsKeyId=key,
        SecretString=Sub('{"password":"${ContentAdminPassword}","licenseKey":"${TableauServerLicenseKey}"}'),
    )
    # No rotation: Tableau Server copies the password into its own identity store at setup, so
    # rotating the secret would not change it.
    t.add_resource(secret)
    _, profile = ssm_instance_role(
        t,
        "TableauServer",
        statements=[
            Statement(Effect=Allow, Action=[GetSecretValue], Resource=[Ref(secret)]),
            Statement(
                Effect=Allow,
                Action=[Decrypt],
                Resource=[key],
                Condition=Condition(
                    StringEquals("kms:ViaService", Sub("secretsmanager.${AWS::Region}.${AWS::URLSuffix}"))
                ),
            ),
        ],
    )
    template = launch_template(
        t,
        "TableauServerLaunchTemplate",
        image_id=Ref(ami),
        instance_type=Ref(params["TableauServerInstanceType"]),
        instance_profile=profile,
        user_data=user_data(),
        volume_size=150,
        root_device="/dev/sda1",
        key_name=key_name,
        name_tag=Sub("${AWS::StackName}-tableau-server"),
    )
    # The Elastic IP goes on a network interface made beforehand: the user data downloads the
    # installer at boot, and an address attached to the instance itself would only come after the
    # instance signals (the public subnet has no NAT route).
    eni = t.add_resource(
        NetworkInterface(
            "TableauServerNetworkInterface",
            Description="Tableau Server",
            SubnetId=Ref(placement["SubnetId"]),
            GroupSet=[Ref(placement["SecurityGroupId"])],
        )
    )
    address = t.add_resource(EIP("TableauServerEIP", Domain="vpc"))
    association = t.add_resource(
        EIPAssociation(
            "TableauServerEIPAssociation",
            AllocationId=GetAtt(address, "AllocationId"),
            NetworkInterfaceId=Ref(eni),
        )
    )
    instance = t.add_resource(
        Instance(
            INSTANCE,
            DependsOn=[association.title],
            LaunchTemplate=LaunchTemplateSpecification(
                LaunchTemplateId=Ref(template), Version=GetAtt(template, "LatestVersionNumber")
            ),
            NetworkInterfaces=[NetworkInterfaceProperty(DeviceIndex="0", NetworkInterfaceId=Ref(eni))],
            CreationPolicy=CreationPolicy(ResourceSignal=ResourceSignal(Count=1, Timeout="PT2H")),
        )
    )

    t.add_output(Output("InstanceId", Description="Instance id (Session Manager, Fleet Manager)", Value=Ref(instance)))
    t.add_output(Output("PrivateIp", Description="Private IP address", Value=GetAtt(instance, "PrivateIp")))
    t.add_output(Output("PrivateDnsName", Description="Private DNS name", Value=GetAtt(instance, "PrivateDnsName")))
    t.add_output(Output("PublicIp", Description="Elastic IP address", Value=Ref(address)))
    t.add_output(
        Output("TableauServerURL", Description="Tableau Server (HTTP)", Value=Sub("http://${TableauServerEIP}"))
    )
    t.add_output(
        Output("TsmURL", Description="Tableau Services Manager", Value=Sub("https://${TableauServerEIP}:8850"))
    )
    t.add_output(Output("SecretArn", Description="Secret with the administrator password", Value=Ref(secret)))
    return t
