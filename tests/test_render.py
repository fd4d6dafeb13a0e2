"""The YAML emitter: conventions, quoting, and round-trips through cfn-lint's decoder."""

import json
import os
import subprocess
import sys

import pytest
from cfnlint.decode.cfn_json import loads as cfn_json_loads
from cfnlint.decode.cfn_yaml import loads as cfn_yaml_loads
from conftest import ROOT, all_names

from cfn_catalog import catalog, render


def plain(data):
    """cfn-lint's decoder returns node subclasses; compare plain data."""
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("name", all_names())
def test_yaml_loads_back_to_the_json_data(name):
    from_yaml = plain(cfn_yaml_loads(catalog.rendered(name, "yaml")))
    from_json = plain(cfn_json_loads(catalog.rendered(name, "json")))
    assert from_yaml == from_json == plain(catalog.template_dict(name))


@pytest.mark.parametrize(
    "value",
    [
        "on",
        "Off",
        "yes",
        "NO",
        "y",
        "n",
        "true",
        "False",
        "null",
        "~",
        "0123",
        "1e3",
        "0x1f",
        "1_000",
        "12:30",
        ".5",
        "-1",
        "+1",
        ".inf",
        "*",
        "&a",
        "!Ref x",
        "%x",
        "@x",
        "`x",
        "- a",
        "? a",
        ": a",
        "a: b",
        "a #b",
        "a:",
        " lead",
        "trail ",
        "",
        "'",
        '"',
        "=",
        "<<",
        "2010-09-09",
        "tab\there",
        "nel\x85",
        "ls\u2028",
        "\ufeffbom",
        "#comment",
        "{a}",
        "[a]",
        "|",
        ">",
        ",a",
        "a\r\nb",
    ],
)
def test_ambiguous_scalars_are_quoted_and_load_back(value):
    text = render.to_yaml({"Key": value})
    assert text != f"Key: {value}\n" or value == ""
    assert plain(cfn_yaml_loads(text)) == {"Key": value}


def test_plain_strings_stay_plain():
    assert render.to_yaml({"A": "AWS::S3::Bucket", "B": "${AWS::Region}", "C": "a-b c"}) == (
        "A: AWS::S3::Bucket\nB: ${AWS::Region}\nC: a-b c\n"
    )


def test_sections_and_resource_keys_in_conventional_order():
    doc = {
        "Outputs": {"O": {"Value": "v", "Description": "d"}},
        "Resources": {"R": {"Properties": {"A": 1}, "DependsOn": ["X"], "Type": "AWS::SNS::Topic"}},
        "Parameters": {"P": {"Type": "String"}},
        "Description": "d",
        "AWSTemplateFormatVersion": "2010-09-09",
    }
    text = render.render_dict(doc, "yaml")
    assert [line for line in text.splitlines() if not line.startswith(" ")] == [
        "AWSTemplateFormatVersion: '2010-09-09'",
        "Description: d",
        "Parameters:",
        "Resources:",
        "Outputs:",
    ]
    assert text.index("Type: AWS::SNS::Topic") < text.index("DependsOn:") < text.index("Properties:")
    assert text.index("Description: d\n    Value") > 0


def test_short_form_intrinsics():
    doc = {
        "A": {"Ref": "X"},
        "B": {"Fn::GetAtt": ["Child", "Outputs.Url"]},
        "C": {"Fn::Sub": "${X}-y"},
        "D": {"Fn::Base64": {"Fn::Sub": "#!/bin/bash\necho hi\n"}},
        "E": {"Fn::If": ["Cond", {"Ref": "X"}, {"Ref": "AWS::NoValue"}]},
    }
    text = render.to_yaml(doc)
    assert "A: !Ref X\n" in text
    assert "B: !GetAtt Child.Outputs.Url\n" in text
    assert "C: !Sub ${X}-y\n" in text
    assert "D: !Base64\n  Fn::Sub: |\n    #!/bin/bash\n    echo hi\n" in text
    assert "E: !If\n  - Cond\n  - !Ref X\n  - !Ref AWS::NoValue\n" in text
    assert plain(cfn_yaml_loads(text)) == doc


def test_multiline_strings_are_literal_blocks_and_never_wrapped():
    long_line = "word " * 60 + "end"
    text = render.to_yaml({"Code": "def f():\n    return 1\n", "Long": long_line})
    assert "Code: |\n  def f():\n      return 1\n" in text
    assert f"Long: {long_line}\n" in text


def test_unknown_format_is_rejected():
    with pytest.raises(ValueError, match="unknown format"):
        render.render_dict({}, "toml")


def test_render_is_identical_across_hash_seeds_and_directories(tmp_path):
    script = (
        "import hashlib\nfrom cfn_catalog import catalog\n"
        "h = hashlib.sha256()\n"
        "for n in catalog.names():\n"
        "    h.update(catalog.rendered(n, 'yaml').encode()); h.update(catalog.rendered(n, 'json').encode())\n"
        "print(h.hexdigest())\n"
    )
    digests = set()
    for seed, cwd in (("0", ROOT), ("12345", tmp_path), ("random", tmp_path)):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        digests.add(result.stdout)
    assert len(digests) == 1
