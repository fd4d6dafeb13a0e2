"""Generated Markdown renders as the text it holds: checked with a CommonMark parser (GitHub tables on).

Every page under docs/, README.md and a `diff --format markdown` report are parsed with
markdown-it-py; no text may turn into HTML (which GitHub drops or hides), and every table
row must have as many cells as the header.
"""

import copy
import json
import re

import pytest
from conftest import ROOT
from markdown_it import MarkdownIt
from markdown_it.rules_block.table import escapedSplit

from cfn_catalog import catalog, markdown
from cfn_catalog.cli.app import main

PARSER = MarkdownIt("commonmark").enable("table")
ALLOWED_HTML = re.compile(r"<br>|<!-- catalog:(start|end)\b[^>]*-->\n?")
# An angle-bracket placeholder as written in the source, escaped or not (but not our own <br>).
PLACEHOLDER = re.compile(r"\\?<(?!br>)([A-Za-z][^<>\n`]*)>")
AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>")


def walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


def rendered_text(tokens) -> str:
    """What a reader sees as text: text, code spans and code blocks (HTML excluded)."""
    return "\n".join(t.content for t in walk(tokens) if t.type in ("text", "code_inline", "fence", "code_block"))


def problems(source: str) -> list[str]:
    """What would not render as written: HTML, table rows of the wrong width, tables cut short."""
    found = []
    tokens = PARSER.parse(source)
    lines = source.split("\n")
    for token in walk(tokens):
        if token.type in ("html_inline", "html_block") and not ALLOWED_HTML.fullmatch(token.content):
            found.append(f"{token.type}: {token.content!r}")
    for token in tokens:
        if token.type != "table_open":
            continue
        start, end = token.map
        widths = [len(escapedSplit(re.sub(r"^\||\|$", "", line.strip()))) for line in lines[start:end]]
        if len(set(widths)) != 1:
            found.append(f"table at line {start + 1}: rows of {widths} cells")
        if end < len(lines) and lines[end].strip():
            found.append(f"table at line {start + 1} ends at a line that is not blank: {lines[end]!r}")
    text = rendered_text(tokens)
    for match in PLACEHOLDER.finditer(source):
        if AUTOLINK.fullmatch(match.group()):
            continue
        placeholder = f"<{match.group(1)}>"
        if placeholder not in text:
            found.append(f"{placeholder} is lost")
    return found


def pages():
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_page_renders_as_written(path):
    assert problems(path.read_text(encoding="utf-8")) == []


def test_the_check_sees_lost_placeholders_and_broken_tables():
    assert problems("outputs exported as <stack name>:<output>\n") == [
        "html_inline: '<stack name>'",
        "html_inline: '<output>'",
        "<stack name> is lost",
        "<output> is lost",
    ]
    assert problems("| a | b |\n|---|---|\n| one | two\nlines |\n") == ["table at line 1: rows of [2, 2, 2, 1] cells"]
    assert problems("| a | b |\n|---|---|\n| x | y |\n# heading\n") == [
        "table at line 1 ends at a line that is not blank: '# heading'"
    ]
    assert problems("`<kept>` in code, \\<escaped> in text\n") == []


def test_placeholders_render_as_text_in_the_pages_that_had_them():
    def text_of(relative):
        return rendered_text(PARSER.parse((ROOT / relative).read_text(encoding="utf-8")))

    assert "outputs exported as <stack name>:<output>" in text_of("docs/templates/fargate-public-vpc.md")
    assert "Target of tableau.<zone>" in text_of("docs/templates/modern-dw-dns.md")
    assert "<base>/<version>/TableauServer-64bit-<version with dashes>.exe" in text_of("docs/templates/modern-dw.md")
    assert "outputs exported as <stack name>:<output>" in text_of("README.md")


def test_cell_text_and_code():
    assert markdown.cell("exported as <stack name>:<output>") == "exported as \\<stack name>:\\<output>"
    assert markdown.cell("a | b\n# not a heading\r\nc") == "a \\| b<br># not a heading<br>c"
    assert markdown.cell("length >= 1; 1 < 2; A & B; &amp;") == "length >= 1; 1 < 2; A & B; \\&amp;"
    assert markdown.cell("^\\d+\\.$") == "^\\d+\\\\.$"  # \d stays; \. would lose its backslash
    assert markdown.text("# one\nparagraph") == "\\# one paragraph"
    assert markdown.text("1. first") == "1\\. first"
    assert markdown.text("- item <x>") == "\\- item \\<x>"
    assert markdown.code("a|b") == "`a|b`"
    assert markdown.code_cell("a|b\nc") == "`a\\|b c`"
    assert markdown.code("uses `x`") == "`` uses `x` ``"
    assert markdown.code("") == "" and markdown.code(None) == ""


def test_authored_markdown_keeps_code_and_escapes_placeholders():
    doc = (
        "Run `publish --bucket <BucketName> --prefix\n<Prefix>` first; records <zone> and <https://example.com>.\n"
        "\n"
        "    internet -> <WAF>\n"
        "\n"
        "```sh\n"
        "echo <x>\n"
        "```\n"
        "- `tableau.<zone>` and sqlworker.<zone>"
    )
    assert markdown.authored(doc) == doc.replace("records <zone>", "records \\<zone>").replace(
        "sqlworker.<zone>", "sqlworker.\\<zone>"
    )
    assert problems(markdown.authored(doc)) == []


def _old_ebs_snapshot_dr(tmp_path):
    """A plausible earlier version of ebs-snapshot-dr: other function code, descriptions and a pattern."""
    old = copy.deepcopy(catalog.template_dict("ebs-snapshot-dr"))
    code = old["Resources"]["TagSnapshotCopy"]["Properties"]["Code"]
    code["ZipFile"] = "# Tags | copies\n## from <primary>\n" + code["ZipFile"]
    old["Parameters"]["FunctionNameSuffix"]["Description"] = "Suffix of the function names"
    old["Parameters"]["FunctionNameSuffix"]["AllowedPattern"] = "^[A-Za-z0-9_-]{0,64}$|^x$"
    old["Parameters"]["FunctionNameSuffix"]["Default"] = "<none>"
    old["Resources"]["TagSnapshotCopy"]["Properties"]["Description"] = "Tags copies\n# of <primary> snapshots"
    old["Outputs"]["Legacy|Name"] = {"Value": "a\nb"}
    directory = tmp_path / "old"
    directory.mkdir()
    (directory / "ebs-snapshot-dr.yaml").write_text(json.dumps(old))  # JSON is YAML
    return directory


def test_diff_markdown_report_renders_as_written(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    directory = _old_ebs_snapshot_dr(tmp_path)
    result = runner.invoke(main, ["diff", "ebs-snapshot-dr", "--against-dir", str(directory), "--format", "markdown"])
    assert result.exit_code == 3, result.output  # a breaking change
    report = result.stdout
    assert problems(report) == []
    assert report.count("\n| ebs-snapshot-dr |") == 5
    tokens = PARSER.parse(report)
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h3"]  # "# of <primary>" is no heading
    text = rendered_text(tokens)
    assert "# Tags | copies" in text and "## from <primary>" in text and "# of <primary> snapshots" in text
    assert "the previous default '<none>' no longer matches AllowedPattern" in text
