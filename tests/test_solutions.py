"""Solutions offline: the file format, references, profiles' per-region values and Extends, the plan."""

import json
import textwrap

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfn_catalog import params, solutions
from cfn_catalog.cli.app import main
from cfn_catalog.references import ReadError, Ref, load_yaml

SOLUTIONS = ROOT / "solutions"
PARAMS = ROOT / "params"
SOLUTION_NAMES = solutions.discover(SOLUTIONS)
EVERY_SOLUTION = [
    "multi-region-serverless",
    "fargate-task-networking",
    "ebs-snapshot-management",
    "redshift-query-logs",
    "ethereum-network",
    "hyperledger-fabric",
    "appsync-posts-api",
    "s3-onezone-ia-bucket",
    "cjis-reference",
    "tectonic-prereqs",
    "redshift-spectrum-poc",
    "modern-dw",
    "kinesis-analytics-app",
]


def write(root, name, text):
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{name}.yaml").write_text(textwrap.dedent(text))
    return root


def plan_text(tmp_path, text, env="example", params_dir=PARAMS):
    root = write(tmp_path / "solutions", "s", text)
    return solutions.plan("s", env, root=root, params_dir=params_dir)


# ---------------------------------------------------------------- the repository's solutions


def test_the_catalog_ships_every_solution_by_its_fixed_name():
    assert sorted(EVERY_SOLUTION) == SOLUTION_NAMES


@pytest.mark.parametrize("name", SOLUTION_NAMES)
def test_every_solution_plans_offline_for_the_example_env(name):
    plan = solutions.plan(name, "example", root=SOLUTIONS, params_dir=PARAMS)
    order = plan.order()
    assert sorted(order) == sorted(plan.nodes)
    for key, node in plan.nodes.items():
        assert all(order.index(need) < order.index(key) for need in node.needs)


def test_multi_region_serverless_wires_certificates_per_region_and_the_apis_into_dns():
    plan = solutions.plan("multi-region-serverless", "example", root=SOLUTIONS, params_dir=PARAMS)
    assert [sorted(wave) for wave in plan.waves] == [
        [
            ("artifacts", "us-east-1"),
            ("artifacts", "us-west-2"),
            ("certificate", "us-east-1"),
            ("certificate", "us-west-2"),
        ],
        [("api", "us-east-1"), ("api", "us-west-2")],
        [("dns", "us-east-1")],
    ]
    for region in ("us-east-1", "us-west-2"):
        cert = plan.nodes[("api", region)].profile.parameters["CertificateArn"]
        assert (cert.kind, cert.name, cert.region, cert.output) == ("Output", "certificate", region, "CertificateArn")
    dns = plan.nodes[("dns", "us-east-1")].profile.parameters
    assert dns["Region1"] == "us-east-1" and dns["Region2"] == "us-west-2"
    wired = {k: (v.name, v.region, v.output) for k, v in dns.items() if isinstance(v, Ref)}
    assert wired == {
        "Region1HealthEndpoint": ("api", "us-east-1", "HealthEndpointHost"),
        "Region2HealthEndpoint": ("api", "us-west-2", "HealthEndpointHost"),
        "Region1Endpoint": ("api", "us-east-1", "RegionalDomainTargetName"),
        "Region2Endpoint": ("api", "us-west-2", "RegionalDomainTargetName"),
    }


def test_fargate_services_get_their_own_name_path_and_priority_on_one_networking_stack():
    plan = solutions.plan("fargate-task-networking", "example", root=SOLUTIONS, params_dir=PARAMS)
    services = [n for n in plan.nodes.values() if n.step != "networking"]
    assert len(services) == 4
    assert {n.profile.parameters["StackName"] for n in services} == {"fargate-networking"}
    assert all(n.needs == {("networking", "us-east-1")} for n in services)
    names = [n.profile.parameters["ServiceName"] for n in services]
    assert len(set(names)) == 4
    # services on the public listener need distinct priorities (the internal one has its own listener)
    public = [n for n in services if n.template != "fargate-service-private-subnet-private-lb"]
    assert len({n.profile.parameters["Priority"] for n in public}) == len(public)
    assert len({n.profile.parameters["Path"] for n in public}) == len(public)


def test_ebs_snapshot_management_takes_the_dr_region_from_the_dr_step():
    plan = solutions.plan("ebs-snapshot-management", "example", root=SOLUTIONS, params_dir=PARAMS)
    assert plan.waves == [[("dr", "us-east-2")], [("primary", "us-east-1")]]
    assert plan.nodes[("primary", "us-east-1")].profile.parameters["DRRegion"] == "us-east-2"
    assert plan.nodes[("primary", "us-east-1")].sources["DRRegion"].kind == "region"


def test_env_overrides_values(tmp_path):
    plan = plan_text(
        tmp_path,
        """
        Description: d
        Values: {DR: us-east-2}
        Envs: {prod: {DR: eu-west-1}}
        Steps:
          dr: {Template: ebs-snapshot-dr, Region: !Value DR}
          primary: {Template: ebs-snapshot-primary, Region: us-east-1, Parameters: {DRRegion: !Region dr}}
        """,
        env="prod",
    )
    assert plan.nodes[("primary", "us-east-1")].profile.parameters["DRRegion"] == "eu-west-1"
    assert plan.nodes[("primary", "us-east-1")].env == "prod"


# ---------------------------------------------------------------- references and strict YAML


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!Output api.Url", Ref("Output", "api", output="Url")),
        ("!Output api@us-west-2.Url", Ref("Output", "api", output="Url", region="us-west-2")),
        ("!Output {Step: api, Region: eu-west-1, Output: Url}", Ref("Output", "api", output="Url", region="eu-west-1")),
        ("!Region dr", Ref("Region", "dr")),
        ("!StackName networking", Ref("StackName", "networking")),
        ("!Value DomainName", Ref("Value", "DomainName")),
        ("!Env BUCKET", Ref("Env", "BUCKET")),
        ("!Env {Name: BUCKET, Default: b}", Ref("Env", "BUCKET", default="b")),
        ("!SSM /team/vpc-id", Ref("SSM", "/team/vpc-id")),
    ],
)
def test_every_reference_form_reads(text, expected):
    assert load_yaml(f"A: {text}\n", "f.yaml") == {"A": expected}


def test_plain_numbers_and_booleans_that_keep_their_text_still_read():
    assert load_yaml("A: 30\nB: 2.5\nC: true\nD: '0644'\nE: -3\n", "f.yaml") == {
        "A": 30,
        "B": 2.5,
        "C": True,
        "D": "0644",
        "E": -3,
    }


def test_a_region_of_an_output_may_be_a_value():
    ref = load_yaml("A: !Output {Step: api, Region: !Value Primary, Output: Url}\n", "f.yaml")["A"]
    assert ref.region == Ref("Value", "Primary")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("A: !Output api\n", "f.yaml:1: !Output needs an output name"),
        ("A: !Output Api.Url\n", "f.yaml:1: !Output needs a step name"),
        ("A: !Output {Step: api, Output: Url, Regio: x}\n", "unknown key 'Regio'"),
        ("A: !Output api@mars.Url\n", "Region 'mars' is not a region code"),
        ("A: !Region [a]\n", "!Region takes a step name"),
        ("A: !Env 1BAD\n", "!Env needs a variable name"),
        ("A: !SSM 'no spaces'\n", "not an SSM parameter name"),
        ("A: !Ref X\n", "f.yaml:1: unknown tag !Ref"),
        ("A: 1\nA: 2\n", "f.yaml:2: duplicate key 'A' (first on line 1)"),
        ("A: &x 1\nB: *x\n", "f.yaml:2: YAML aliases (*x) are not supported"),
        ("A: {x: 1}\nB:\n  <<: {y: 2}\n", "merge keys"),
        ("A: [1\n", "f.yaml:2: invalid YAML"),
        ("Country: NO\n", "f.yaml:1: 'NO' reads as a boolean in YAML; write true/false, or quote it for the text"),
        ("Flag: yes\n", "'yes' reads as a boolean"),
        ("Mode: 0644\n", "'0644' reads as the number 420 in YAML; quote it to keep the text"),
        ("Version: 1.10\n", "'1.10' reads as the number 1.1 in YAML"),
        ("Since: 2024-05-01\n", "'2024-05-01' reads as a date in YAML"),
    ],
)
def test_malformed_references_and_yaml_are_one_line_with_file_and_line(text, problem):
    with pytest.raises(ReadError) as excinfo:
        load_yaml(text, "f.yaml")
    assert problem in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


# ---------------------------------------------------------------- profiles: per-region values, Extends


def profile(tmp_path, env, text, template="helloworld-api"):
    folder = tmp_path / "params" / template
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{env}.yaml").write_text(textwrap.dedent(text))
    return tmp_path / "params"


ARN = "arn:aws:acm:{}:111122223333:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


def test_a_value_per_region_is_exported_per_region(tmp_path):
    root = profile(
        tmp_path,
        "dev",
        f"""
        Regions: [us-east-1, us-west-2]
        Parameters:
          DomainName: api.example.com
          CertificateArn:
            us-east-1: {ARN.format("us-east-1")}
            us-west-2: {ARN.format("us-west-2")}
        """,
    )
    loaded = params.load("helloworld-api", "dev", root)
    assert loaded.for_region("us-west-2").parameters["CertificateArn"] == ARN.format("us-west-2")
    exported = json.loads(params.export(loaded, "cli", region="us-east-1"))
    assert {"ParameterKey": "CertificateArn", "ParameterValue": ARN.format("us-east-1")} in exported
    with pytest.raises(params.ProfileError, match="CertificateArn has a value per region: choose one with --region"):
        params.export(loaded, "cli")


def test_per_region_values_must_match_the_regions(tmp_path):
    root = profile(
        tmp_path,
        "dev",
        f"""
        Regions: [us-east-1, us-west-2]
        Parameters:
          CertificateArn:
            us-east-1: {ARN.format("us-east-1")}
            eu-west-1: {ARN.format("eu-west-1")}
        """,
    )
    from cfn_catalog import catalog

    problems = params.validate(params.load("helloworld-api", "dev", root), catalog.template_dict("helloworld-api"))
    assert any(
        "dev.yaml:4: CertificateArn: a value for eu-west-1, which this profile does not deploy to" in p
        for p in problems
    )
    assert not any("no value for us-west-2" in p for p in problems)  # CertificateArn has a default


def test_a_mapping_keyed_by_something_else_than_regions_is_refused(tmp_path):
    root = profile(tmp_path, "dev", "Parameters:\n  CertificateArn:\n    us-east-9: x\n")
    with pytest.raises(
        params.ProfileError, match=r"dev\.yaml:2: Parameters\.CertificateArn: a mapping gives one value per region"
    ):
        params.load("helloworld-api", "dev", root)


def test_extends_inherits_and_overrides(tmp_path):
    profile(
        tmp_path,
        "base",
        "Regions: [us-east-1]\nParameters:\n  DomainName: api.example.com\n  HealthStatus: ok\nTags:\n  Team: a\n",
    )
    root = profile(tmp_path, "prod", "Extends: base\nParameters:\n  HealthStatus: fail\nTags:\n  Env: prod\n")
    loaded = params.load("helloworld-api", "prod", root)
    assert loaded.parameters == {"DomainName": "api.example.com", "HealthStatus": "fail"}
    assert loaded.tags == {"Team": "a", "Env": "prod"}
    assert loaded.regions == ["us-east-1"]
    assert loaded.where("DomainName").endswith("helloworld-api/base.yaml:3")
    assert loaded.where("HealthStatus").endswith("helloworld-api/prod.yaml:3")


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({"prod": "Extends: prod\n"}, "Extends forms a cycle (prod -> prod)"),
        ({"prod": "Extends: a\n", "a": "Extends: prod\n"}, "Extends forms a cycle (prod -> a -> prod)"),
        ({"prod": "Extends: nothere\n"}, "prod.yaml: Extends 'nothere', but"),
        ({"prod": "Extends: [a]\n"}, "Extends names another env"),
    ],
)
def test_bad_extends_is_one_line(tmp_path, files, problem):
    for env, text in files.items():
        root = profile(tmp_path, env, text)
    with pytest.raises(params.ProfileError) as excinfo:
        params.load("helloworld-api", "prod", root)
    assert problem in str(excinfo.value)


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        ({"aws:owner": "x"}, "the aws: prefix is reserved"),
        ({"k" * 129: "x"}, "must be 1 to 128 characters"),
        ({"Team": "v" * 257}, "the value is over 256 characters"),
        ({f"t{i}": "x" for i in range(51)}, "51 tags; a stack takes at most 50"),
    ],
)
def test_tags_respect_aws_limits(tmp_path, tags, problem):
    root = profile(tmp_path, "dev", json.dumps({"Tags": tags}))
    with pytest.raises(params.ProfileError, match=problem):
        params.load("helloworld-api", "dev", root)


def test_a_profile_reference_names_a_template_and_one_of_its_outputs(tmp_path):
    root = profile(
        tmp_path,
        "dev",
        "Parameters:\n  Region1HealthEndpoint: !Output helloworld-api.NoSuchOutput\n"
        "  Region2HealthEndpoint: !Output nothing.X\n",
        template="route53-failover",
    )
    loaded = params.load("route53-failover", "dev", root)
    problems = params.check_references(loaded, root)
    assert "dev.yaml:2: Region1HealthEndpoint: helloworld-api has no output 'NoSuchOutput'" in problems[0]
    assert "dev.yaml:3: Region2HealthEndpoint: !Output nothing.X names no template" in problems[1]


def test_value_references_belong_to_solutions_not_profiles(tmp_path):
    root = profile(tmp_path, "dev", "Parameters:\n  DomainName: !Value Domain\n")
    with pytest.raises(params.ProfileError, match="only valid in solutions"):
        params.load("helloworld-api", "dev", root)


# ---------------------------------------------------------------- the plan's offline errors

GOOD_STEP = "  dr: {Template: ebs-snapshot-dr, Region: us-east-2}\n"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "Steps:\n  x: {Template: ebs-snapshot-drr, Region: us-east-1}\n",
            "unknown template 'ebs-snapshot-drr'; did you mean ebs-snapshot-dr?",
        ),
        (
            "Steps:\n"
            + GOOD_STEP
            + "  p: {Template: ebs-snapshot-primary, Region: us-east-1, Parameters: {DRRegion: !Region nope}}\n",
            "no step 'nope' (steps: dr, p)",
        ),
        (
            "Steps:\n"
            + GOOD_STEP
            + "  p: {Template: ebs-snapshot-primary, Region: us-east-2, Parameters: {DRKmsKeyId: !Output dr.KeyArn}}\n",
            "ebs-snapshot-dr has no output 'KeyArn'",
        ),
        (
            "Steps:\n"
            "  a: {Template: ebs-snapshot-dr, Region: us-east-1, StackName: a, DependsOn: [b]}\n"
            "  b: {Template: ebs-snapshot-dr, Region: us-east-1, StackName: b, DependsOn: [a]}\n",
            "the steps form a cycle (a -> b -> a)",
        ),
        (
            "Steps:\n  dr: {Template: ebs-snapshot-dr, Region: us-east-2, Parameters: {Retentoin: 3}}\n",
            "Retentoin: not a parameter of ebs-snapshot-dr; did you mean Retention?",
        ),
        (
            "Steps:\n  dr:\n    Template: ebs-snapshot-dr\n    Region: us-east-2\n    Parameters:\n      Retention: {us-west-2: 3}\n",
            "s.yaml:7: Retention: a value for us-west-2, which this profile does not deploy to",
        ),
        (
            "Steps:\n  dns: {Template: route53-failover, Regions: [us-east-1, us-west-2]}\n",
            "route53-failover is global",
        ),
        ("Steps: [a, b]\n", "Steps must map step names to steps"),
        ("Steps:\n  dr: {Template: ebs-snapshot-dr, Region: us-east-2, Regoins: [x]}\n", "unknown key 'Regoins'"),
        ("Steps:\n  dr: {Template: ebs-snapshot-dr, Region: mars-1}\n", "'mars-1' is not an AWS region code"),
        ("Steps:\n  dr: {Template: ebs-snapshot-dr, Region: us-east-9}\n", "not an AWS region"),
        ("Steps:\n  dr: {Template: ebs-snapshot-dr, Region: !Value Nowhere}\n", "!Value Nowhere: no such value"),
        (
            "Steps:\n  a: {Template: ebs-snapshot-dr, Region: us-east-1}\n  b: {Template: ebs-snapshot-dr, Region: us-east-1}\n",
            "steps a and b both deploy stack ebs-snapshot-dr-example in us-east-1: give one a StackName",
        ),
        (
            "Steps:\n  dr: {Template: ebs-snapshot-dr, Regions: [us-east-1, us-east-2]}\n"
            "  p: {Template: ebs-snapshot-primary, Region: us-west-2, Parameters: {DRRegion: !Region dr}}\n",
            "step dr deploys to us-east-1, us-east-2; a region reference needs a step in one region",
        ),
        (
            "Steps:\n  dr: {Template: ebs-snapshot-dr, Regions: [us-east-1, us-east-2]}\n"
            "  p: {Template: ebs-snapshot-primary, Region: us-west-2, Parameters: {NotificationEmail: !Output dr.NotificationTopicArn}}\n",
            "step dr does not deploy to us-west-2 (it deploys to us-east-1, us-east-2): name the output's Region",
        ),
        (
            "Steps:\n"
            + GOOD_STEP
            + "  p: {Template: ebs-snapshot-primary, Region: us-east-1, Parameters: {Retention: !StackName dr}}\n",
            "gives a name, but the parameter type is Number",
        ),
        (
            "Steps:\n  dr: {Template: ebs-snapshot-dr, Region: us-east-2, DependsOn: [later]}\n",
            "DependsOn 'later' is not a step",
        ),
        ("Steps:\n  dr: {Template: ebs-snapshot-dr}\n", "no region: give Region or Regions"),
    ],
)
def test_every_offline_problem_is_reported_with_file_and_line(tmp_path, body, problem):
    with pytest.raises(solutions.SolutionError) as excinfo:
        plan_text(tmp_path, "Description: d\n" + body)
    assert any(problem in p for p in excinfo.value.problems), excinfo.value.problems
    assert all("\n" not in p and ".yaml" in p for p in excinfo.value.problems)


def test_an_unknown_solution_suggests_the_close_one():
    with pytest.raises(solutions.UnknownSolution, match="did you mean ebs-snapshot-management"):
        solutions.plan("ebs-snapshot-managment", "example", root=SOLUTIONS)


def test_a_missing_profile_means_template_defaults_and_required_parameters_are_named(tmp_path):
    with pytest.raises(solutions.SolutionError) as excinfo:
        plan_text(
            tmp_path,
            "Description: d\nSteps:\n  c: {Template: redshift-stl-catalog, Region: us-east-1}\n",
            env="nothere",
        )
    assert any("S3Bucket: required (no default) but missing" in p for p in excinfo.value.problems)


# ---------------------------------------------------------------- waves (property)


@st.composite
def acyclic_solutions(draw):
    """Steps s0..sN of one small template; each may depend on any earlier one, listed in a random order."""
    count = draw(st.integers(min_value=1, max_value=8))
    deps = {
        i: sorted(draw(st.sets(st.integers(min_value=0, max_value=i - 1), max_size=3))) if i else []
        for i in range(count)
    }
    regions = {
        i: draw(st.sampled_from([["us-east-1"], ["us-west-2"], ["us-east-1", "us-west-2"]])) for i in range(count)
    }
    order = draw(st.permutations(list(range(count))))
    return deps, regions, order


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(acyclic_solutions())
def test_any_acyclic_solution_runs_every_step_after_what_it_uses(tmp_path, drawn):
    deps, regions, order = drawn
    lines = ["Description: d", "Steps:"]
    for i in order:
        needs = ", ".join(f"s{d}" for d in deps[i])
        lines.append(
            f"  s{i}: {{Template: sam-artifacts-bucket, StackName: s{i}, Regions: [{', '.join(regions[i])}], DependsOn: [{needs}]}}"
        )
    plan = plan_text(tmp_path, "\n".join(lines) + "\n")
    position = {key: n for n, wave in enumerate(plan.waves) for key in wave}
    assert set(position) == {(f"s{i}", r) for i in deps for r in regions[i]}
    for i, needed in deps.items():
        for region in regions[i]:
            for d in needed:
                for other in regions[d]:
                    assert position[(f"s{d}", other)] < position[(f"s{i}", region)]


# ---------------------------------------------------------------- the CLI, offline


def test_solution_list_plan_and_show(runner):
    listed = runner.invoke(main, ["solution", "list", "--json", "--solutions-dir", str(SOLUTIONS)])
    assert listed.exit_code == 0
    assert [row["name"] for row in json.loads(listed.stdout)] == SOLUTION_NAMES
    planned = runner.invoke(
        main,
        [
            "solution",
            "plan",
            "ebs-snapshot-management",
            "--env",
            "example",
            "--json",
            "--solutions-dir",
            str(SOLUTIONS),
        ],
    )
    assert planned.exit_code == 0, planned.output
    data = json.loads(planned.stdout)
    assert [[s["step"] for s in wave] for wave in data["waves"]] == [["dr"], ["primary"]]
    assert data["waves"][1][0]["parameters"]["DRRegion"]["source"] == "region"
    text = runner.invoke(
        main, ["solution", "plan", "ebs-snapshot-management", "--env", "example", "--solutions-dir", str(SOLUTIONS)]
    )
    assert (
        "wave 2\n  primary@us-east-1: ebs-snapshot-primary -> stack ebs-snapshot-primary-example  (after dr@us-east-2)"
        in text.stdout
    )
    assert "    DRRegion = us-east-2 (region of step dr)" in text.stdout
    shown = runner.invoke(main, ["solution", "show", "multi-region-serverless", "--solutions-dir", str(SOLUTIONS)])
    assert (
        "    Region1HealthEndpoint: !Output {Step: api, Region: !Value PrimaryRegion, Output: HealthEndpointHost}"
        in shown.stdout
    )


def test_a_broken_solution_lists_every_problem_and_exits_1(runner, tmp_path):
    root = write(
        tmp_path / "solutions",
        "broken",
        "Description: d\nSteps:\n  a: {Template: nope, Region: us-east-1}\n  b: {Template: ebs-snapshot-dr, Region: mars-1}\n",
    )
    result = runner.invoke(main, ["solution", "plan", "broken", "--env", "example", "--solutions-dir", str(root)])
    assert result.exit_code == 1
    *problems, summary = result.stderr.splitlines()
    assert all(line.startswith("Error: ") for line in problems) and len(problems) == 2
    assert any("broken.yaml:3: step a: unknown template 'nope'" in line for line in problems)
    assert any("broken.yaml:4: step b: 'mars-1' is not an AWS region code" in line for line in problems)
    assert summary == "2 problems in solution broken (env example); nothing deployed"
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- docs, params --check, launch-url


def test_every_solution_has_a_docs_page_and_a_row_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in SOLUTION_NAMES:
        page = (ROOT / "docs" / "solutions" / f"{name}.md").read_text()
        assert page.startswith(f"# {name}\n")
        assert f"cfn-catalog solution deploy {name} --env example" in page
        assert f"[{name}](docs/solutions/{name}.md)" in readme


def test_the_solution_page_draws_wired_values_as_labelled_arrows_and_orders_the_launch_links():
    from cfn_catalog.views import solution_page
    from cfn_catalog.views.docs import DocsConfig

    config = DocsConfig(bucket="tpl-{region}", prefix="p/")
    page = solution_page.page("ebs-snapshot-management", config=config, root=SOLUTIONS, params_dir=PARAMS)
    assert '  dr_us_east_2 -- "region to DRRegion" --> primary_us_east_1' in page
    launches = [line for line in page.splitlines() if line.startswith("- Wave ")]
    assert [line.split(":")[0] for line in launches] == ["- Wave 1, dr in us-east-2", "- Wave 2, primary in us-east-1"]
    assert "param_DRRegion=us-east-2" in launches[1]
    assert (
        "templateURL=https%3A%2F%2Ftpl-us-east-2.s3.us-east-2.amazonaws.com%2Fp%2Febs-snapshot-dr.yaml" in launches[0]
    )
    assert "Links assume one bucket per region, `tpl-{region}`" in page
    fargate = solution_page.page("fargate-task-networking", config=config, root=SOLUTIONS, params_dir=PARAMS)
    assert '  networking_us_east_1 -- "stack name to StackName" --> public_service_us_east_1' in fargate
    serverless = solution_page.page("multi-region-serverless", config=config, root=SOLUTIONS, params_dir=PARAMS)
    assert (
        "  - `CertificateArn`: paste the output `CertificateArn` of stack `hello-world-certificate` (certificate) in us-west-2"
        in serverless
    )


def test_params_check_plans_every_solution(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params").symlink_to(PARAMS)
    write(tmp_path / "solutions", "bad", "Description: d\nSteps:\n  x: {Template: nope, Region: us-east-1}\n")
    result = runner.invoke(main, ["params", "--check"])
    assert result.exit_code == 1
    assert (
        "solutions/bad.yaml:3: step x: unknown template 'nope' (see 'cfn-catalog list') (env example)" in result.stdout
    )


def test_params_exports_one_regions_values_and_launch_url_names_what_to_paste(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(
        main, ["params", "helloworld-api", "--env", "example", "--region", "us-west-2", "--format", "overrides"]
    )
    assert result.exit_code == 0, result.output
    assert any(v.startswith("CertificateArn=arn:aws:acm:us-west-2:") for v in json.loads(result.stdout))
    root = profile(
        tmp_path,
        "dev",
        "Parameters:\n  HostedZoneId: Z1\n  MultiregionEndpoint: api.example.com\n"
        "  Region1HealthEndpoint: !Output helloworld-api@us-east-1.HealthEndpointHost\n"
        "  Region2HealthEndpoint: h.example.com\n  Region1Endpoint: a.example.com\n  Region2Endpoint: b.example.com\n",
        template="route53-failover",
    )
    args = ["--env", "dev", "--params-dir", str(root)]
    exported = runner.invoke(main, ["params", "route53-failover", *args])
    assert exported.exit_code == 1
    assert (
        "Region1HealthEndpoint is !Output helloworld-api@us-east-1.HealthEndpointHost, looked up at deploy time"
        in exported.stderr
    )
    launched = runner.invoke(
        main, ["launch-url", "route53-failover", "--region", "us-east-1", "--bucket", "my-bucket", *args]
    )
    assert launched.exit_code == 0, launched.output
    assert (
        "Region1HealthEndpoint is not prefilled: fill in the output HealthEndpointHost of the helloworld-api stack in us-east-1"
        in launched.stderr
    )
    assert (
        "param_Region1HealthEndpoint" not in launched.stdout
        and "param_Region2HealthEndpoint=h.example.com" in launched.stdout
    )


@pytest.mark.parametrize("document", ["README.md", "solutions/README.md"])
def test_the_documented_solution_examples_plan(tmp_path, document):
    text = (ROOT / document).read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    examples = [b for b in blocks if "Steps:" in b]
    assert examples, f"{document} shows no solution"
    for example in examples:
        plan = plan_text(tmp_path, example)
        assert plan.nodes
