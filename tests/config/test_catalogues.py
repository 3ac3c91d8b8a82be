"""The catalogues (API.md 1.1, languages): every template string is marked, every catalogue is complete
(no untranslated, no fuzzy entry), up to date with the code, compiled and loaded."""

import html
import re
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

# Literal text that stays the same in every language, with why.
LITERAL = {
    "Episodic",  # the brand name in the header
    "CSV",  # file formats in the export links
    "JSON",
    "API",  # a link to the API, named the same in every language
    "SHA-256",  # the name of the hash algorithm
    "UTC",  # the time standard's name, written the same in ko/zh
    "s",  # the SI symbol for seconds on the timeline picture
}
# Attributes a reader (or a screen reader) sees.
VISIBLE_ATTRIBUTES = re.compile(r"""\b(placeholder|title|aria-label|alt|data-confirm)="([^"]*)\"""")
SKIPPED_BLOCKS = {"comment": "endcomment", "blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
CLASS_BLOCKS = {"block body_class", "block main_class"}  # CSS class names, not text
HOLE = "\x00"  # where a {{ variable }} or {% tag %} stood


def _visible_source(source: str) -> str:
    """The template with its template tags replaced by holes and the text inside comments and
    blocktranslate blocks (already marked) left out."""
    out, closing = [], None
    for token in Lexer(source).tokenize():
        if closing:
            if token.token_type is TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            continue
        if token.token_type is TokenType.TEXT:
            out.append(token.contents)
            continue
        if token.token_type is TokenType.BLOCK and token.contents.split()[0] in SKIPPED_BLOCKS:
            closing = SKIPPED_BLOCKS[token.contents.split()[0]]
        elif token.token_type is TokenType.BLOCK and token.contents in CLASS_BLOCKS:
            closing = "endblock"
        out.append(HOLE)
    return "".join(out)


def _has_letters(text: str) -> bool:
    words = [w for w in re.split(r"[\s\x00]+", html.unescape(text)) if w]
    return any(re.search(r"[^\W\d_]", w) and w.strip("().,:;·—–-") not in LITERAL for w in words)


def unmarked_texts(path: Path) -> list[str]:
    source = _visible_source(path.read_text())
    if path.suffix == ".html":
        source = re.sub(r"<(script|style)\b.*?</\1>", HOLE, source, flags=re.S)
        attributes = [value for _, value in VISIBLE_ATTRIBUTES.findall(source)]
        texts = re.split(r"<[^>]*>", re.sub(r"<!doctype[^>]*>", "", source, flags=re.I)) + attributes
    else:
        texts = source.splitlines()
    return [text.strip().replace(HOLE, "{…}") for text in texts if _has_letters(text)]


def test_every_template_text_is_marked_for_translation():
    found = {
        str(path.relative_to(ROOT)): texts
        for path in sorted(TEMPLATES.rglob("*"))
        if path.suffix in {".html", ".txt"} and (texts := unmarked_texts(path))
    }
    assert found == {}
