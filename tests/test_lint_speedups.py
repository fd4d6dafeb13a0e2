"""The lint speedups change nothing but time.

The whole catalog, each template broken in many places (so most rule families
fire), and hand-written edge cases are linted by two processes, one with the
speedups and one with plain cfn-lint; the findings must be identical.
"""

import copy
import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import TEMPLATES_OUT

from cfn_catalog.checks import lint, lint_speedups

LINT_IN_CHILD = """
import json, sys
from cfn_catalog.checks import lint, lint_speedups
items = json.load(open(sys.argv[1]))
found = {path: [list(f) for f in findings] for path, findings, _ in lint.lint_texts(items, jobs=1)}
json.dump({"speedups": lint_speedups._applied, "findings": found}, sys.stdout)
"""

EDGE_CASES = {
    "conditions-and-novalue.yaml": """
        AWSTemplateFormatVersion: '2010-09-09'
        Parameters:
          Env:
            Type: String
            AllowedValues: [dev, prod]
            Default: staging
          Size:
            Type: Number
            MinValue: 1
            MaxValue: 3
            Default: 5
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          Broken: !Equals [only-one]
          Unused: !Not [!Condition IsProd]
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            Properties:
              BucketName: !If [IsProd, UPPER_case_Bad, !Ref AWS::NoValue]
              VersioningConfiguration: !If [IsProd, {Status: Enabled}, {Status: Sometimes}]
              LifecycleConfiguration:
                Rules:
                  - Status: Enabled
                    ExpirationInDays: !If [IsProd, 0, thirty]
          Queue:
            Type: AWS::SQS::Queue
            Condition: NoSuchCondition
            Properties:
              DelaySeconds: 9000
              VisibilityTimeout: !Ref Size
              QueueName: AWS::Region
              Tags: !If [IsProd, [{Key: a, Value: b}], !Ref AWS::NoValue]
        Outputs:
          Arn:
            Value: !GetAtt Bucket.NoSuchAttribute
          Url:
            Condition: IsProd
            Value: !Sub '${Queue.QueueUrl}/${Missing}'
    """,
    "dynamic-references.yaml": """
        AWSTemplateFormatVersion: '2010-09-09'
        Resources:
          Db:
            Type: AWS::RDS::DBInstance
            Properties:
              Engine: postgres
              DBInstanceClass: db.t3.micro
              AllocatedStorage: '20'
              MasterUsername: '{{resolve:ssm-secure:/db/user}}'
              MasterUserPassword: '{{resolve:ssm:/db/password}}'
              Port: '{{resolve:ssm:/db/port:1}}'
              StorageEncrypted: '{{ resolve:ssm:/flag }}'
          Secret:
            Type: AWS::SecretsManager::Secret
            Properties:
              Name: !Sub '{{resolve:secretsmanager:${AWS::StackName}:SecretString:x}}'
          Role:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Version: '2012-10-17'
                Statement:
                  - Effect: Allowed
                    Principal: {Service: lambda.amazonaws.com}
                    Action: sts:AssumeRole
              Policies:
                - PolicyName: p
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: [s3:GetObjekt, 'iam:*']
                        Resource: arn:aws:s3:::bucket
                        NotResource: '*'
    """,
    "serverless.yaml": """
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Runtime: python3.6
            Timeout: 9999
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              InlineCode: "def handler(e, c): return e"
              MemorySize: 64000
              Events:
                Api:
                  Type: Api
                  Properties: {Path: /hello, Method: fetch}
          Table:
            Type: AWS::Serverless::SimpleTable
            Properties:
              PrimaryKey: {Name: id, Type: Strings}
    """,
}


def break_template(template: dict, seed: int) -> dict:
    """The template with one fault per resource (six kinds, rotating) and broken outputs/conditions."""
    broken = copy.deepcopy(template)
    resources = broken["Resources"]
    names = sorted(resources)
    for index, name in enumerate(names):
        resource = resources[name]
        properties = resource.get("Properties")
        kind = (index + seed) % 6
        if kind == 0 or not isinstance(properties, dict) or not properties:
            resource.setdefault("Properties", {})["CatalogUnknownProperty"] = "x"
        elif kind == 1:
            _replace_first_leaf(properties, str, {"Ref": "NoSuchParameter"})
        elif kind == 2:
            _replace_first_leaf(properties, str, ["not", "a", "string"], min_depth=2)
        elif kind == 3:
            resource["DependsOn"] = ["NoSuchResource", name]
        elif kind == 4:
            key = next((k for k, v in properties.items() if isinstance(v, dict)), None)
            properties[key or "CatalogUnknownProperty"] = "not-an-object"
        else:
            del properties[sorted(properties)[0]]
    outputs = broken.setdefault("Outputs", {})
    outputs["CatalogBrokenGetAtt"] = {"Value": {"Fn::GetAtt": [names[0], "NoSuchAttribute"]}}
    outputs["CatalogBrokenSub"] = {"Value": {"Fn::Sub": "${NoSuchVariable}-${AWS::Region}"}}
    broken.setdefault("Conditions", {})["CatalogBrokenCondition"] = {"Fn::Equals": ["only-one"]}
    for parameter in broken.get("Parameters", {}).values():
        if "AllowedPattern" in parameter or "AllowedValues" in parameter:
            parameter["Default"] = "!!not allowed!!"
            break
    return broken


def _replace_first_leaf(node, kind, value, min_depth=1, depth=1) -> bool:
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in list(items):
        if isinstance(child, kind) and depth >= min_depth:
            node[key] = value
            return True
        if isinstance(child, dict) and len(child) == 1 and next(iter(child)).startswith(("Fn::", "Ref")):
            continue
        if isinstance(child, (dict, list)) and _replace_first_leaf(child, kind, value, min_depth, depth + 1):
            return True
    return False


def corpus() -> list[tuple[str, str]]:
    items = []
    for seed, path in enumerate(sorted(TEMPLATES_OUT.glob("*.json"))):
        template = json.loads(path.read_text())
        items.append((f"{path.stem}.yaml", path.with_suffix(".yaml").read_text()))
        items.append((f"broken-{path.name}", json.dumps(break_template(template, seed), indent=1)))
    items += [(name, textwrap.dedent(text)) for name, text in EDGE_CASES.items()]
    return items


@pytest.mark.skipif(
    not lint_speedups.wanted(lint.cfnlint_version()), reason="speedups are off for this cfn-lint or by switch"
)
def test_findings_are_identical_with_and_without_speedups(tmp_path):
    items = corpus()
    corpus_file = tmp_path / "corpus.json"
    corpus_file.write_text(json.dumps(items))
    procs = {}
    for switch in ("1", "0"):
        env = dict(os.environ, **{lint_speedups.SWITCH_ENV: switch})
        procs[switch] = subprocess.Popen(
            [sys.executable, "-c", LINT_IN_CHILD, str(corpus_file)], env=env, stdout=subprocess.PIPE, text=True
        )
    results = {}
    for switch, proc in procs.items():
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0
        results[switch] = json.loads(out)
    fast, plain = results["1"], results["0"]
    assert fast["speedups"] is True and plain["speedups"] is False
    assert fast["findings"].keys() == plain["findings"].keys() == {path for path, _ in items}
    for path in plain["findings"]:
        assert fast["findings"][path] == plain["findings"][path], path
    # The corpus exercises the checks: many findings, from many rules, in every broken template.
    every = [tuple(f) for findings in plain["findings"].values() for f in findings]
    assert len(every) > 500
    assert len({f[3] for f in every}) > 40
    assert all(plain["findings"][path] for path, _ in items if path.startswith("broken-") or path in EDGE_CASES)
    assert not any(
        plain["findings"][path] for path, _ in items if not path.startswith("broken-") and path not in EDGE_CASES
    )


def test_speedups_apply_only_to_the_verified_cfn_lint(monkeypatch):
    assert lint.cfnlint_version() == lint_speedups.VERIFIED_CFNLINT, (
        "cfn-lint was upgraded: run test_findings_are_identical_with_and_without_speedups with the new"
        " version, then raise VERIFIED_CFNLINT"
    )
    assert lint_speedups.wanted(lint_speedups.VERIFIED_CFNLINT)
    assert not lint_speedups.wanted("1.58.1")
    monkeypatch.setenv(lint_speedups.SWITCH_ENV, "0")
    assert not lint_speedups.wanted(lint_speedups.VERIFIED_CFNLINT)
