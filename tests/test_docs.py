"""Generated docs and diagrams."""

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
