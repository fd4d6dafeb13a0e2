"""Property tests: the YAML emitter round-trips whatever data it is given."""

import json

from cfnlint.decode.cfn_yaml import loads as cfn_yaml_loads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfn_catalog import render

TRICKY = [
    "",
    " ",
    "  lead",
    "trail  ",
    "a: b",
    "a #b",
    "#x",
    "'",
    '"',
    "''",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "null",
    "Null",
    "~",
    "true",
    "FALSE",
    "0123",
    "0o17",
    "0x1F",
    "1e3",
    "1E-3",
    ".5",
    "-.inf",
    ".NaN",
    "12:30:00",
    "1_000",
    "2024-01-01",
    "!Ref X",
    "!",
    "&anchor",
    "*alias",
    "${AWS::Region}",
    "${Foo.Bar}",
    "- item",
    "? key",
    ": v",
    "|",
    ">",
    "%TAG",
    "@at",
    "`tick",
    "{a: 1}",
    "[1, 2]",
    "=",
    "<<",
    "a\nb",
    "a\n",
    "a\n\n",
    "\na",
    "\n",
    "a\n b\n",
    "  indented\nfirst",
    "tab\there",
    "\ttab",
    "cr\r\nlf",
    "nel\x85",
    "ls\u2028ps\u2029",
    "\ufeffbom",
    "é ü 中文 🚀",
    "line with trailing space \nnext",
    "a\n  \nb",
    "---",
    "...",
    "--- a",
    "a: ",
    "key:value",
    "a\\b",
    "\x00nul",
    "\x7fdel",
    "\x1bescape",
    "Fn::Sub",
    "Ref",
    "Condition",
]
INTRINSICS = ["Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::If", "Fn::Base64", "Fn::Select", "Condition"]

strings = st.one_of(st.sampled_from(TRICKY), st.text(max_size=40))
keys = st.one_of(st.sampled_from(TRICKY + INTRINSICS), st.text(max_size=30))
scalars = st.one_of(
    strings,
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
data = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
        st.builds(lambda k, v: {k: v}, st.sampled_from(INTRINSICS), children),
    ),
    max_leaves=25,
)


def plain(value):
    return json.loads(json.dumps(value))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, data, max_size=5))
def test_yaml_round_trips_any_data(doc):
    text = render.to_yaml(doc)
    assert plain(cfn_yaml_loads(text)) == plain(doc)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, data, max_size=5))
def test_yaml_and_json_renders_load_to_equal_data(doc):
    from cfnlint.decode.cfn_json import loads as cfn_json_loads

    assert plain(cfn_yaml_loads(render.render_dict(doc, "yaml"))) == plain(
        cfn_json_loads(render.render_dict(doc, "json"))
    )


@settings(max_examples=300, deadline=None)
@given(strings)
def test_scalar_is_one_line_and_loads_back(value):
    text = render.scalar(value)
    assert "\n" not in text
    assert plain(cfn_yaml_loads(f"k: {text}\n")) == {"k": value}


def test_very_long_keys_use_explicit_key_syntax():
    doc = {"k" * 2000: {"a": 1}, "x": [{"y" * 1500: "v"}]}
    assert plain(cfn_yaml_loads(render.to_yaml(doc))) == doc


json_data = st.recursive(
    st.one_of(strings, st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none()),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, json_data, max_size=5))
def test_json_writer_matches_the_standard_library(doc):
    assert render.to_json(doc) == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
