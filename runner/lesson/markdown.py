"""Markdown -> a flat list of blocks with 1-based lines (markdown-it-py does the parsing).

The parser above this only needs to know, in document order: headings, prose,
code blocks (fenced or indented) and HTML comments (where our annotations
live). Fences nested in list items come out like any other. Indented text in
an MkDocs admonition (`!!! note` + 4-space body) is read by CommonMark as an
indented code block; we parse its body again as Markdown so a fence inside an
admonition is still found, at its real line. Admonitions nest at most
`ADMONITION_DEPTH` deep (each level is parsed again; real documents nest two
or three): deeper, a body is the indented code block CommonMark says it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from runner.syntax.yaml import read_yaml

_ADMONITION = re.compile(r"^\s*(!!!|\?\?\?\+?)\s*\w+")
ADMONITION_DEPTH = 8


@dataclass(frozen=True)
class Block:
    kind: str  # heading | prose | code | comment | front_matter
    line: int  # 1-based first line of the block
    end_line: int  # 1-based last line
    text: str  # heading/prose: inline source text; code: content; comment: inner text
    info: str = ""  # code: the fence info string ("" for indented code)
    level: int = 0  # heading level
    fenced: bool = False
    quoted: bool = False  # prose: a paragraph inside a blockquote (`> kubectl apply -f demo.yaml`)

    @property
    def content_line(self) -> int:
        """The line of the first content line of a code block."""
        return self.line + 1 if self.fenced else self.line


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").use(front_matter_plugin)


@lru_cache(maxsize=1)
def _plain_parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


# Killercoda's closing fence with an action (```{{exec}}, ```{{copy}}): CommonMark takes it for an opening fence with an
# info string, merging the blocks around it; its dialect closes the block there (same line, so lines stay true)
_KILLERCODA_FENCE = re.compile(r"^([ \t]{0,3}(?:`{3,}|~{3,}))[ \t]*\{\{\s*(?:exec|copy|execute)\b[^}\n]*\}\}[ \t]*$", re.M)

_KEY_LINE = re.compile(r"^(?:[^\s#:-][^:]*:(?:\s|$)|\{)")  # `key:`, `{flow: map}`


def _keys_first(content: str) -> bool:
    """Is the block between the opening `---` lines front matter: YAML that reads as a mapping (or nothing), or
    that starts like one (so its error is reported)? `# Title` and a list of prose are Markdown between two rules."""
    result = read_yaml(content, 1)
    if result.error or len(result.documents) != 1:
        first = next((t for t in (line.strip() for line in content.splitlines()) if t and not t.startswith("#")), "")
        return bool(_KEY_LINE.match(first))
    data = result.documents[0]
    return data is None or isinstance(data, dict)


def blocks(source: str, line_offset: int = 0, *, front_matter: bool = True, depth: int = 0) -> list[Block]:
    """Return the blocks of `source` in document order.

    `line_offset` shifts every line (used for re-parsed admonition bodies).
    """
    source = _KILLERCODA_FENCE.sub(r"\1", source)
    tokens = _parser().parse(source)
    if tokens and tokens[0].type == "front_matter" and not _keys_first(tokens[0].content):
        # `---`, Markdown, `---` at the top: two thematic breaks around the page's opening, not YAML front matter
        tokens = _plain_parser().parse(source)
    out: list[Block] = []
    i = 0
    last_prose: Block | None = None
    source_lines: list[str] = []
    quotes = 0  # blockquotes open around the token
    while i < len(tokens):
        tok = tokens[i]
        m = tok.map
        quotes += {"blockquote_open": 1, "blockquote_close": -1}.get(tok.type, 0)
        if tok.type == "front_matter" and m is not None:
            if front_matter:
                out.append(Block("front_matter", m[0] + 1 + line_offset, m[1] + line_offset, tok.content))
        elif tok.type == "heading_open" and m is not None:
            inline = tokens[i + 1]
            out.append(
                Block("heading", m[0] + 1 + line_offset, m[1] + line_offset, inline.content.strip(), level=int(tok.tag[1:]))
            )
            last_prose = None
        elif tok.type == "inline" and m is not None and i > 0 and tokens[i - 1].type == "paragraph_open":
            last_prose = Block("prose", m[0] + 1 + line_offset, m[1] + line_offset, tok.content, quoted=quotes > 0)
            out.append(last_prose)
        elif tok.type == "fence" and m is not None:
            out.append(Block("code", m[0] + 1 + line_offset, m[1] + line_offset, tok.content, info=tok.info.strip(), fenced=True))
            last_prose = None
        elif tok.type == "code_block" and m is not None:
            admonition = last_prose is not None and _ADMONITION.match(last_prose.text.splitlines()[-1] if last_prose.text else "")
            if admonition and depth < ADMONITION_DEPTH:
                source_lines = source_lines or source.splitlines()  # split once: a file may hold thousands
                out.extend(_admonition_body(source_lines, m[0], m[1], line_offset, depth + 1))
            else:
                out.append(Block("code", m[0] + 1 + line_offset, m[1] + line_offset, tok.content, fenced=False))
            last_prose = None
        elif tok.type == "html_block" and m is not None:
            for comment_line, inner in _comments(tok.content):
                out.append(Block("comment", m[0] + 1 + comment_line + line_offset, m[1] + line_offset, inner))
        i += 1
    return out


def _admonition_body(source_lines: list[str], start: int, end: int, line_offset: int, depth: int) -> list[Block]:
    """Parse the indented body of an admonition as Markdown, keeping real line numbers."""
    lines = source_lines[start:end]
    dedented = "\n".join(line[4:] if line.startswith("    ") else line.lstrip("\t") for line in lines) + "\n"
    return blocks(dedented, line_offset + start, front_matter=False, depth=depth)


_COMMENT = re.compile(r"<!--(.*?)-->", re.S)


def _comments(html: str) -> list[tuple[int, str]]:
    """HTML comments of an html_block with the 0-based line each starts on."""
    found = []
    for match in _COMMENT.finditer(html):
        found.append((html.count("\n", 0, match.start()), match.group(1).strip()))
    return found
