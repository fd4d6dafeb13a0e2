"""Escaping for generated Markdown, so every page and report renders as the text it holds.

Descriptions, labels, constraint texts, diff details and solution values are
plain text; put into Markdown as they are, `<stack name>` becomes an HTML tag
(and vanishes), a `|` or a newline breaks a table row, and a line starting
with `#` becomes a heading. Each helper escapes only what CommonMark (with
GitHub's tables) would otherwise interpret, so the Markdown source stays
readable:

- `text`: a paragraph of plain text (newlines become spaces);
- `cell`: a table cell of plain text (newlines become `<br>`, `|` is escaped);
- `inline`: plain text inside a line (newlines become spaces);
- `code`, `code_cell`: a code span, shown verbatim (`code_cell` in a table);
- `authored`: Markdown written by a person (a template's docstring), where only
  angle-bracket placeholders outside code are escaped.
"""

from __future__ import annotations

import re

# What would make `<` start raw HTML or an autolink: a tag name, a closing tag,
# a comment, declaration or processing instruction.
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")
# A character reference (`&amp;`, `&#38;`, `&#x26;`) would be decoded.
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# A backslash before ASCII punctuation (or at the end) would be taken as an escape.
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)", re.MULTILINE)
# A paragraph that starts like this would become a heading, quote, list, rule or fence.
_BLOCK_START = re.compile(r"^(?:#{1,6}(?=[ \t]|$)|>|[-+*](?=[ \t]|$)|([-*_])(?:[ \t]*\1){2,}[ \t]*$|`{3}|~{3})")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])(?=[ \t]|$)")
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>|<[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+>")


def _inline(value: str) -> str:
    """Escape what inline parsing would interpret as HTML, a character reference or an escape."""
    value = _BACKSLASH.sub(r"\\\\", value)
    value = _ENTITY.sub(r"\\&", value)
    return _HTML_START.sub(r"\\<", value)


def text(value: object) -> str:
    """Plain text as one Markdown paragraph (or part of one), shown as written."""
    flat = " ".join(("" if value is None else str(value)).split("\n")).strip()
    escaped = _inline(flat)
    if _BLOCK_START.match(escaped):
        return "\\" + escaped
    return _ORDERED_START.sub(r"\1\\\2", escaped, count=1)


def cell(value: object) -> str:
    """Plain text as the content of a table cell, on one line."""
    raw = "" if value is None else str(value)
    lines = [_inline(line.strip()) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "<br>".join(lines).replace("|", "\\|")


def inline(value: object) -> str:
    """Plain text inside a line of Markdown (newlines become spaces)."""
    return _inline(" ".join(("" if value is None else str(value)).split("\n")))


def code(value: object, *, in_table: bool = False) -> str:
    """`value` as a code span (empty for None or ""); `in_table` escapes `|` for a table cell."""
    if value is None or value == "":
        return ""
    raw = " ".join(str(value).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", raw)), default=0)
    fence = "`" * (longest + 1)
    spaced = raw.startswith(" ") and raw.endswith(" ") and raw.strip()
    pad = " " if raw.startswith("`") or raw.endswith("`") or spaced else ""
    if in_table:
        raw = raw.replace("|", "\\|")
    return f"{fence}{pad}{raw}{pad}{fence}"


def code_cell(value: object) -> str:
    """`value` as a code span in a table cell."""
    return code(value, in_table=True)


def _code_spans(chunk: str) -> list[tuple[bool, str]]:
    """`chunk` cut into (is_code, piece): code spans as CommonMark matches them (equal backtick runs)."""
    pieces: list[tuple[bool, str]] = []
    pos = start = 0
    while (opening := re.compile(r"(?<!`)(?<!\\)`+(?!`)").search(chunk, pos)) is not None:
        run = opening.group()
        closing = re.compile(rf"(?<!`){run}(?!`)").search(chunk, opening.end())
        if closing is None:
            pos = opening.end()
            continue
        pieces.append((False, chunk[start : opening.start()]))
        pieces.append((True, chunk[opening.start() : closing.end()]))
        pos = start = closing.end()
    pieces.append((False, chunk[start:]))
    return pieces


def _placeholders(chunk: str) -> str:
    out = []
    for is_code, piece in _code_spans(chunk):
        if is_code:
            out.append(piece)
            continue
        keep = {m.start() for m in _AUTOLINK.finditer(piece)}
        out.append(
            "".join(
                "\\<" if c == "<" and i not in keep and _HTML_START.match(piece, i) else c for i, c in enumerate(piece)
            )
        )
    return "".join(out)


def authored(markdown: str) -> str:
    """Markdown written by a person, with `<placeholder>`s outside code made text.

    Fenced and indented code blocks and code spans are kept as they are; so
    are autolinks. There is no raw HTML in the catalog's docstrings, so any
    other `<word ...>` is a placeholder meant to be read.
    """
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    previous_blank = True

    def flush() -> None:
        if prose:
            out.append(_placeholders("\n".join(prose)))
            prose.clear()

    for line in markdown.split("\n"):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if fence is not None:
            out.append(line)
            if stripped.startswith(fence) and not stripped[len(fence) :].strip(fence[0]).strip():
                fence = None
        elif indent < 4 and (opened := re.match(r"`{3,}|~{3,}", stripped)):
            flush()
            out.append(line)
            fence = opened.group()
        elif indent >= 4 and stripped and (previous_blank or (out and not prose and out[-1].startswith("    "))):
            flush()
            out.append(line)
        else:
            prose.append(line)
            if not stripped:
                flush()
        previous_blank = not stripped
    flush()
    return "\n".join(out)
