"""The one place a template becomes text.

`to_yaml` is a small emitter written for CloudFormation, not a general YAML
library: sections in the documented order, `Type` before `Properties`,
short-form intrinsics, literal blocks for multi-line strings, no line
wrapping, and quotes on every scalar a YAML 1.1 or 1.2 reader could take for
something other than a string. Every output loads back (with cfn-lint's
decoder) to exactly the input data; the property tests hold it to that.
"""

from __future__ import annotations

import re
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

SECTION_ORDER = (
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
)
RESOURCE_KEY_ORDER = (
    "Type",
    "Condition",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "CreationPolicy",
    "UpdatePolicy",
    "Metadata",
    "Properties",
)
OUTPUT_KEY_ORDER = ("Description", "Condition", "Value", "Export")

# Intrinsics written in short form. Fn::ForEach and Fn::Transform have no
# short form that every reader accepts, and `Condition` is left long so that a
# property that happens to be called Condition is never mistaken for one.
SHORT_FORMS = {
    "Ref": "!Ref",
    "Fn::Base64": "!Base64",
    "Fn::Cidr": "!Cidr",
    "Fn::FindInMap": "!FindInMap",
    "Fn::GetAtt": "!GetAtt",
    "Fn::GetAZs": "!GetAZs",
    "Fn::ImportValue": "!ImportValue",
    "Fn::Join": "!Join",
    "Fn::Select": "!Select",
    "Fn::Split": "!Split",
    "Fn::Sub": "!Sub",
    "Fn::And": "!And",
    "Fn::Equals": "!Equals",
    "Fn::If": "!If",
    "Fn::Not": "!Not",
    "Fn::Or": "!Or",
    "Fn::Length": "!Length",
    "Fn::ToJsonString": "!ToJsonString",
}

INDENT = "  "
# YAML readers accept implicit keys up to 1024 characters; longer ones use `? key`.
MAX_SIMPLE_KEY = 1000

# Characters a YAML reader accepts unescaped (pyyaml's reader), minus the
# ones YAML 1.1 treats as line breaks inside scalars and the BOM.
_UNPRINTABLE = re.compile("[^\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# Words some YAML version reads as booleans or null.
_RESERVED_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""})
# Anything that starts like a number (YAML 1.1 or 1.2: octal 0123, 1e3, .5,
# 0x1f, 1_000, sexagesimal 1:20, .inf, .nan) is quoted.
_NUMBER_LIKE = re.compile(r"^[-+]?(\.?[0-9]|\.(inf|nan)$)", re.IGNORECASE)
_PLAIN_FIRST_FORBIDDEN = frozenset("-?:,[]{}#&*!|>'\"%@` \t")
_PLAIN_INSIDE_FORBIDDEN = re.compile(r": |:$| #|[\t\n]")


def _plain_ok(s: str) -> bool:
    if s.lower() in _RESERVED_WORDS or _NUMBER_LIKE.match(s):
        return False
    if s[0] in _PLAIN_FIRST_FORBIDDEN or s[-1] == " ":
        return False
    if _PLAIN_INSIDE_FORBIDDEN.search(s) or _UNPRINTABLE.search(s):
        return False
    # Timestamps, merge keys and '=' resolve to non-strings in YAML 1.1.
    return not (s[0].isdigit() or s in ("=", "<<"))


def _double_quoted(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif _UNPRINTABLE.match(ch):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


@lru_cache(maxsize=8192)
def scalar(s: str) -> str:
    """A one-line YAML rendering of the string `s` that reads back as `s`."""
    if s and _plain_ok(s):
        return s
    if not _UNPRINTABLE.search(s) and "\n" not in s:
        return "'" + s.replace("'", "''") + "'"
    return _double_quoted(s)


def _literal_ok(s: str) -> bool:
    """Whether `s` can be a literal block scalar without loss."""
    if "\n" not in s or _UNPRINTABLE.search(s):
        return False
    lines = s.split("\n")
    # A first line starting with a space would need an indentation indicator
    # and an all-blank body has no indentation to detect; keep those quoted.
    if not lines[0] or lines[0][0] == " " or not s.strip("\n"):
        return False
    # Lines that are only spaces are folded into line breaks by readers.
    return not any(line and not line.strip(" ") for line in lines)


def _literal(s: str, indent: str) -> str:
    body = s.rstrip("\n")
    trailing = len(s) - len(body)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    lines = [indent + line if line else "" for line in body.split("\n")]
    text = "|" + chomp + "\n" + "\n".join(lines)
    if trailing > 1:
        text += "\n" * (trailing - 1)
    return text


def _atom(value: Any) -> str | None:
    """The inline text of a scalar or empty collection, else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "." not in text and "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, str):
        return scalar(value)
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, (list, tuple)) and not value:
        return "[]"
    return None


def _short_form(value: Any) -> tuple[str, Any] | None:
    """(tag, argument) when `value` is an intrinsic that reads back unchanged in short form.

    A tagged scalar always reads back as a string, and `!GetAtt` as a list,
    so other scalar arguments and a GetAtt of anything but a list stay long.
    """
    if isinstance(value, dict) and len(value) == 1:
        key, arg = next(iter(value.items()))
        tag = SHORT_FORMS.get(key)
        if tag == "!GetAtt":
            return (tag, arg) if isinstance(arg, list) and arg else None
        if tag and isinstance(arg, (dict, list, str)):
            return tag, arg
    return None


def _getatt_text(arg: Any) -> str | None:
    if (
        isinstance(arg, list)
        and len(arg) == 2
        and all(isinstance(a, str) for a in arg)
        and "." not in arg[0]
        and arg[0]
        and arg[1]
    ):
        text = f"{arg[0]}.{arg[1]}"
        if scalar(text) == text:
            return text
    return None


def _emit(value: Any, indent: str, out: list[str], head: str) -> None:
    """Append the lines of `value`; `head` is the text before it on its first line
    (e.g. `Key:` or `-`), always without a trailing space."""
    if isinstance(value, str) and _literal_ok(value):
        out.append(f"{head} {_literal(value, indent + INDENT)}")
        return
    atom = _atom(value)
    if atom is not None:
        out.append(f"{head} {atom}")
        return
    short = _short_form(value)
    if short:
        tag, arg = short
        if tag == "!GetAtt":
            text = _getatt_text(arg)
            if text is not None:
                out.append(f"{head} {tag} {text}")
                return
        if isinstance(arg, str):
            if _literal_ok(arg):
                out.append(f"{head} {tag} {_literal(arg, indent + INDENT)}")
            else:
                out.append(f"{head} {tag} {scalar(arg)}")
            return
        if not arg:
            out.append(f"{head} {tag} {'{}' if isinstance(arg, dict) else '[]'}")
            return
        # A nested short form would put two tags on one node, so a nested
        # intrinsic stays in long form here.
        out.append(f"{head} {tag}")
        if isinstance(arg, dict):
            _emit_mapping(arg, indent + INDENT, out)
        else:
            _emit_sequence(arg, indent + INDENT, out)
        return
    out.append(head)
    if isinstance(value, dict):
        _emit_mapping(value, indent + INDENT, out)
    else:
        _emit_sequence(value, indent + INDENT, out)


def _emit_mapping(mapping: dict, indent: str, out: list[str]) -> None:
    for key, item in mapping.items():
        if not isinstance(key, str):
            raise TypeError(f"mapping keys must be strings, got {key!r}")
        text = scalar(key)
        if len(text) > MAX_SIMPLE_KEY:
            out.append(f"{indent}? {text}")
            _emit(item, indent, out, f"{indent}:")
        else:
            _emit(item, indent, out, f"{indent}{text}:")


def _emit_sequence(items: list, indent: str, out: list[str]) -> None:
    for item in items:
        start = len(out)
        # Render the item one level deeper, then pull its first line up onto
        # the dash (`- Key: value`), the compact form CloudFormation users read.
        if isinstance(item, dict) and item and not _short_form(item):
            _emit_mapping(item, indent + INDENT, out)
            out[start] = f"{indent}- {out[start][len(indent) + len(INDENT) :]}"
        elif isinstance(item, (list, tuple)) and item:
            _emit_sequence(item, indent + INDENT, out)
            out[start] = f"{indent}- {out[start][len(indent) + len(INDENT) :]}"
        else:
            _emit(item, indent, out, f"{indent}-")


def _ordered(mapping: dict, order: tuple[str, ...]) -> dict:
    rank = {key: i for i, key in enumerate(order)}
    return dict(sorted(mapping.items(), key=lambda kv: rank.get(kv[0], len(order))))


def normalize(template: dict) -> dict:
    """Put sections, resource attributes and output keys in the conventional order."""
    doc = _ordered(template, SECTION_ORDER)
    if isinstance(doc.get("Resources"), dict):
        doc["Resources"] = {
            name: _ordered(body, RESOURCE_KEY_ORDER) if isinstance(body, dict) else body
            for name, body in doc["Resources"].items()
        }
    if isinstance(doc.get("Outputs"), dict):
        doc["Outputs"] = {
            name: _ordered(body, OUTPUT_KEY_ORDER) if isinstance(body, dict) else body
            for name, body in doc["Outputs"].items()
        }
    return doc


def to_yaml(data: dict) -> str:
    """YAML text of a template (or any dict of str/int/float/bool/None/list/dict)."""
    out: list[str] = []
    if data:
        _emit_mapping(data, "", out)
    else:
        out.append("{}")
    return "\n".join(out) + "\n"


def to_json(data: dict) -> str:
    """JSON with two-space indentation, as `json.dumps(data, indent=2, ensure_ascii=False)`
    writes it, but built with the C string encoder (json's indenting encoder is
    pure Python and was the slowest step of a catalog render)."""
    out: list[str] = []
    _json(data, "", out)
    out.append("\n")
    return "".join(out)


def _json(value: Any, indent: str, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = indent + INDENT
        out.append("{\n")
        first = True
        for key, item in value.items():
            if not first:
                out.append(",\n")
            first = False
            out.append(f"{inner}{encode_basestring(key)}: ")
            _json(item, inner, out)
        out.append(f"\n{indent}}}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = indent + INDENT
        out.append("[\n")
        for i, item in enumerate(value):
            if i:
                out.append(",\n")
            out.append(inner)
            _json(item, inner, out)
        out.append(f"\n{indent}]")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value is None:
        out.append("null")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r} cannot be written as JSON")
        out.append(float.__repr__(value))
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


FORMATS = ("yaml", "json")


def render_dict(data: dict, fmt: str = "yaml") -> str:
    data = normalize(data)
    if fmt == "yaml":
        return to_yaml(data)
    if fmt == "json":
        return to_json(data)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
