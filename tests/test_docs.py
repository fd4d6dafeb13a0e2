"""Generated docs and diagrams."""

import re

import pytest
from conftest import ROOT, all_names

from cfn_catalog.cli.app import main
from cfn_catalog.views import docs, graph


def test_docs_and_readme_table_are_current(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(main, ["docs", "--check"])
    assert result.exit_code == 0, result.output


def test_docs_check_reports_a_stale_page(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "docs"
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text())
    assert runner.invoke(main, ["docs", "--out", str(out), "--readme", str(readme)]).exit_code == 0
    (out / "templates" / "route53-failover.md").write_text("edited by hand\n")
    (out / "templates" / "gone.md").write_text("left behind\n")
    result = runner.invoke(main, ["docs", "--check", "--out", str(out), "--readme", str(readme)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"stale: {out}/templates/route53-failover.md",
        f"orphan: {out}/templates/gone.md",
    ]


@pytest.mark.parametrize("name", all_names())
def test_page_has_every_parameter_output_and_launch_region(name):
    page = docs.template_page(name, docs.DocsConfig())
    from cfn_catalog import catalog

    doc = catalog.template_dict(name)
    for parameter in doc.get("Parameters", {}):
        assert f"| `{parameter}` |" in page
    for output in doc.get("Outputs", {}):
        assert f"| `{output}` |" in page
    assert page.count("quickcreate") == len(docs.DEFAULT_REGIONS)
    assert "```mermaid\nflowchart LR" in page


def test_readme_lists_every_template():
    readme = (ROOT / "README.md").read_text()
    for name in all_names():
        assert f"[{name}](docs/templates/{name}.md)" in readme


def test_graph_edges_follow_references():
    g = graph.build("helloworld-api")
    assert ("GetHelloworldRole", "GetHelloworld", "getatt") in g.edges
    assert ("ApiGatewayAccount", "HelloWorldApi", "dependson") in g.edges
    assert ("HealthStatus", "GetHealthcheck", "ref") in g.edges
    assert ("ApiDomainName", "Output.RegionalDomainTargetName", "getatt") in g.edges
    text = graph.render("helloworld-api", "dot")
    assert (
        text.startswith('digraph "helloworld-api" {') and "ApiGatewayAccount -> HelloWorldApi [style=dashed];" in text
    )


def test_graph_cli(runner):
    result = runner.invoke(main, ["graph", "route53-failover"])
    assert result.exit_code == 0
    assert '  P_HostedZoneId[/"HostedZoneId"/]:::param' in result.stdout
    assert "  HealthcheckRegion1 --> Region1EndpointRecord" in result.stdout


def test_controls_matrix_page_lists_every_area_with_resources():
    from cfn_catalog import cjis

    page = docs.controls_page()
    for area, title in cjis.CONTROL_AREAS.items():
        assert f"| {area} | {title} | [cjis-" in page
    assert "**no resource**" not in page


def _mermaid_blocks():
    for path in sorted((ROOT / "docs").rglob("*.md")):
        for block in re.findall(r"```mermaid\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            yield str(path.relative_to(ROOT)), block


def test_every_diagram_in_the_docs_is_under_mermaids_size_limit():
    sizes = list(_mermaid_blocks())
    assert len({page for page, _ in sizes}) == len(all_names()) + len(list((ROOT / "docs" / "solutions").glob("*.md")))
    assert [(page, len(block)) for page, block in sizes if len(block) >= graph.MERMAID_MAX_TEXT] == []


def test_summarised_diagrams_name_every_child_template_and_resource_type():
    from cfn_catalog import catalog

    for name in all_names():
        text = graph.render(name, "mermaid", summary=True)
        assert "subgraph" not in text, name
        for logical_id, child in catalog.child_stacks(name).items():
            assert f'  {logical_id}["{logical_id}<br/>child template {child}<br/>' in text, (name, child)
        for resource in catalog.template_dict(name)["Resources"].values():
            if resource["Type"] == graph.STACK_TYPE:
                continue  # named by its child template, above
            assert graph._short_type(resource["Type"]) in text, (name, resource["Type"])


def test_a_large_template_is_drawn_by_resource_type_with_counts_and_aggregated_edges():
    from cfn_catalog import catalog

    resources = catalog.template_dict("cjis-production-vpc")["Resources"]
    assert len(resources) > graph.GROUP_OVER
    text = graph.render("cjis-production-vpc", "mermaid", summary=True)
    assert '  G_AWS__EC2__Subnet["EC2 Subnet<br/>6 resources"]' in text
    assert '  VPC["VPC<br/>EC2 VPC"]' in text  # alone of its type: drawn as itself
    assert text.count("  VPC --> G_AWS__EC2__Subnet\n") == 1  # six references, one edge
    counts = [int(n) for n in re.findall(r"<br/>(\d+) resources\"\]", text)]
    singles = re.findall(r'^  [A-Za-z0-9]+\["[A-Za-z0-9]+<br/>', text, re.M)
    assert sum(counts) + len(singles) == len(resources)
    assert graph.render("route53-failover", "mermaid", summary=True) == graph.render("route53-failover", "mermaid")


def test_nested_children_are_one_node_in_the_summary_and_subgraphs_in_the_full_graph(runner):
    summary = runner.invoke(main, ["graph", "ethereum-network", "--summary"])
    assert summary.exit_code == 0
    assert '  CommonStack["CommonStack<br/>child template ethereum-common<br/>3 resources, 2 nested stacks"]' in (
        summary.stdout
    )
    assert "```mermaid\n" + summary.stdout in (ROOT / "docs/templates/ethereum-network.md").read_text()
    full = runner.invoke(main, ["graph", "ethereum-network"])
    assert '  subgraph CommonStack__stack["CommonStack: ethereum-common"]' in full.stdout
    assert len(full.stdout) > 2 * len(summary.stdout)


def test_launch_links_point_each_region_at_a_bucket_that_can_exist_and_say_which():
    from cfn_catalog.views.docs import DocsConfig, launch_table, template_page

    per_region = DocsConfig(bucket="tpl-{region}", regions=("us-east-1", "eu-west-1"))
    rows = launch_table("sam-artifacts-bucket", per_region)[2:]
    assert (
        "tpl-us-east-1.s3.us-east-1.amazonaws.com" in rows[0] and "tpl-eu-west-1.s3.eu-west-1.amazonaws.com" in rows[1]
    )
    page = template_page("kinesis-analytics-app", per_region)
    assert "Links assume one bucket per region, `tpl-{region}` (`tpl-us-east-1`, `tpl-eu-west-1`)" in page
    assert "param_TemplateBucketName=tpl-eu-west-1" in page
    single = DocsConfig(bucket="tpl", regions=("us-east-1", "eu-west-1"), bucket_region="us-west-2")
    rows = launch_table("sam-artifacts-bucket", single)[2:]
    assert all("tpl.s3.us-west-2.amazonaws.com" in row for row in rows)  # one bucket, one endpoint: its own
    assert "Links assume the bucket `tpl` in us-west-2" in template_page("sam-artifacts-bucket", single)


def test_docs_refuses_a_bucket_name_s3_would_refuse(runner):
    result = runner.invoke(main, ["docs", "--check", "--bucket", "Bad_Bucket"])
    assert result.exit_code == 2 and "invalid bucket name 'Bad_Bucket'" in result.stderr
