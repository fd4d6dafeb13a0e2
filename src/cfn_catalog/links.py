"""Launch Stack links: the CloudFormation console's quick-create URL, prefilled."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from cfn_catalog import inputs
from cfn_catalog.errors import UsageError

CONSOLE = "https://console.aws.amazon.com/cloudformation/home"
# GovCloud and China have their own consoles.
CONSOLES = {
    "us-gov-": "https://console.amazonaws-us-gov.com/cloudformation/home",
    "cn-": "https://console.amazonaws.cn/cloudformation/home",
}
MAX_TEMPLATE_URL = 1024
BADGE = "https://s3.amazonaws.com/cloudformation-examples/cloudformation-launch-stack.png"


def s3_domain(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def template_url(bucket: str, key: str, region: str) -> str:
    """The https (virtual-hosted) URL of an object, as nested TemplateURLs build it."""
    return f"https://{bucket}.s3.{region}.{s3_domain(region)}/{quote(key)}"


check_region = inputs.check_region
check_stack_name = inputs.check_stack_name


def launch_url(
    *, region: str, template_url: str, stack_name: str | None = None, parameters: dict[str, str] | None = None
) -> str:
    """The console quick-create URL; values URL-encoded, parameters as `param_<Name>`."""
    check_region(region)
    if len(template_url) > MAX_TEMPLATE_URL:
        raise UsageError(
            f"template URL is {len(template_url)} characters; CloudFormation accepts at most {MAX_TEMPLATE_URL}: "
            "use a shorter bucket or prefix"
        )
    if not template_url.startswith("https://"):
        raise UsageError(f"template URL must be https://, got {template_url!r}")
    query = [("templateURL", template_url)]
    if stack_name:
        query.append(("stackName", check_stack_name(stack_name)))
    query += [(f"param_{name}", value) for name, value in (parameters or {}).items()]
    console = next((url for prefix, url in CONSOLES.items() if region.startswith(prefix)), CONSOLE)
    return f"{console}?region={region}#/stacks/quickcreate?{urlencode(query, quote_via=quote)}"


def markdown_badge(url: str, label: str = "Launch Stack") -> str:
    return f"[![{label}]({BADGE})]({url})"
