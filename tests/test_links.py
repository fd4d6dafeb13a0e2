"""Launch Stack URLs parse back to what was asked for, and never carry a secret."""

from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import ROOT, all_names
from hypothesis import given
from hypothesis import strategies as st

from cfn_catalog import catalog, links, params
from cfn_catalog.cli.app import main
from cfn_catalog.errors import UsageError


def parse(url):
    parts = urlsplit(url)
    region = parse_qs(parts.query)["region"][0]
    route, _, query = parts.fragment.partition("?")
    return region, route, {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}


def test_launch_url_prefills_the_value_of_its_region(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(
        main, ["launch-url", "helloworld-api", "--region", "us-west-2", "--bucket", "my-bucket", "--env", "example"]
    )
    assert result.exit_code == 0, result.output
    query = parse(result.stdout.strip())[2]
    assert query["param_CertificateArn"].startswith("arn:aws:acm:us-west-2:")


@pytest.mark.parametrize("name", all_names())
def test_launch_url_of_every_template_parses_back_without_secrets(runner, name, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(
        main, ["launch-url", name, "--region", "eu-west-1", "--bucket", "my-bucket", "--env", "example"]
    )
    assert result.exit_code == 0, result.output
    region, route, query = parse(result.stdout.strip())
    assert (region, route) == ("eu-west-1", "/stacks/quickcreate")
    assert query["templateURL"] == f"https://my-bucket.s3.eu-west-1.amazonaws.com/cfn-catalog/latest/{name}.yaml"
    profile = params.load(name, "example", ROOT / "params")
    if profile.stack_name:
        assert query["stackName"] == profile.stack_name
    declared = catalog.template_dict(name).get("Parameters", {})
    prefilled = {k.removeprefix("param_"): v for k, v in query.items() if k.startswith("param_")}
    expected = params.values(profile, "eu-west-1")  # a value per region has none for eu-west-1 here
    location = {
        "TemplateBucketName": "my-bucket",
        "TemplateKeyPrefix": "cfn-catalog/latest/",
        "TemplateBucketRegion": "eu-west-1",
    }
    expected |= {k: v for k, v in location.items() if k in declared}
    assert prefilled == expected
    assert not [k for k in prefilled if params.is_no_echo(declared[k])]


@given(
    st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,20}", fullmatch=True), st.text(max_size=30), max_size=5),
    st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,30}", fullmatch=True),
)
def test_launch_url_round_trips(parameters, stack_name):
    template = "https://b.s3.us-east-1.amazonaws.com/p/x y+z.yaml"
    url = links.launch_url(region="us-east-1", template_url=template, stack_name=stack_name, parameters=parameters)
    _, _, query = parse(url)
    assert query.pop("templateURL") == template
    assert query.pop("stackName") == stack_name
    assert {k.removeprefix("param_"): v for k, v in query.items()} == parameters


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"region": "mars-1"}, "invalid region 'mars-1'"),
        ({"stack_name": "1-bad"}, "invalid stack name '1-bad'"),
        ({"stack_name": "a" * 129}, "invalid stack name"),
        ({"template_url": "https://b.s3.amazonaws.com/" + "k" * 1000}, "CloudFormation accepts at most 1024"),
        ({"template_url": "s3://b/k.yaml"}, "template URL must be https://"),
    ],
)
def test_bad_launch_inputs(kwargs, message):
    args = {"region": "us-east-1", "template_url": "https://b.s3.amazonaws.com/k.yaml"} | kwargs
    with pytest.raises(UsageError, match=message):
        links.launch_url(**args)


def test_markdown_badge(runner):
    result = runner.invoke(
        main, ["launch-url", "route53-failover", "--region", "us-east-1", "--bucket", "my-bucket", "--markdown"]
    )
    assert result.stdout.startswith("[![Launch Stack](https://s3.amazonaws.com/cloudformation-examples/")
    assert (
        "quickcreate?templateURL=https%3A%2F%2Fmy-bucket.s3.us-east-1.amazonaws.com%2Fcfn-catalog%2Flatest%2Froute53-failover.yaml"
        in result.stdout
    )


def test_govcloud_uses_its_console():
    url = links.launch_url(region="us-gov-west-1", template_url="https://b.s3.us-gov-west-1.amazonaws.com/k.yaml")
    assert url.startswith("https://console.amazonaws-us-gov.com/cloudformation/home?region=us-gov-west-1#")


def test_launch_url_takes_the_region_from_the_environment_and_a_bucket_per_region(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    result = runner.invoke(main, ["launch-url", "sam-artifacts-bucket", "--bucket", "tpl-{region}", "--env", "example"])
    assert result.exit_code == 0, result.output
    region, _, query = parse(result.stdout.strip())
    assert region == "eu-west-1"
    assert (
        query["templateURL"]
        == "https://tpl-eu-west-1.s3.eu-west-1.amazonaws.com/cfn-catalog/latest/sam-artifacts-bucket.yaml"
    )
    assert query["stackName"] == "sam-artifacts"  # the profile's StackName, as deploy uses it
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    result = runner.invoke(main, ["launch-url", "route53-failover", "--bucket", "tpl", "--env", "example"])
    assert parse(result.stdout.strip())[0] == "us-west-2"


def test_launch_url_names_the_stack_as_deploy_does(runner, tmp_path):
    (tmp_path / "s3-onezone-ia-bucket").mkdir()
    (tmp_path / "s3-onezone-ia-bucket" / "dev.yaml").write_text("Parameters: {}\n")
    args = ["launch-url", "s3-onezone-ia-bucket", "--region", "us-east-1", "--bucket", "tpl", "--env", "dev"]
    result = runner.invoke(main, [*args, "--params-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert parse(result.stdout.strip())[2]["stackName"] == "s3-onezone-ia-bucket-dev"
