"""Reading a Twine story: a Twine 2 HTML archive (or published story) or Twee 3 text.

Pure (no database): `parse()` turns untrusted text into passages (with notes of what a
story format keeps outside them: JavaScript, stylesheets); screenings/twine_graph.py turns
passages into episodes and branches; screenings/services/twine_import.py creates them
through the story services, so every graph rule still holds. Input is untrusted and
bounded: at most `max_bytes` of UTF-8, MAX_PASSAGES passages, MAX_RAW_LINKS links (of which
MAX_LINKS become branches); unparseable input raises `TwineError` naming the line and passage. Twee 3: https://github.com/iftechfoundation/twine-specs (twee-3-specification.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from config.jsonparse import json_loads_bounded

MAX_PASSAGES = 300
MAX_LINKS = 1000  # branches imported
MAX_RAW_LINKS = 5000  # [[links]] in the text, imported or not
MAX_NOTES = 200
TITLE_MAX = 200  # Episode.title
LABEL_MAX = 120  # Branch.label
DURATION_MAX = 24 * 3600
# Passages that are code or configuration of a story format, not scenes.
SPECIAL_TAGS = {"script", "stylesheet", "widget", "startup", "header", "footer", "twine.private", "twine.image"}
SPECIAL_NAMES = {
    "StoryTitle", "StoryData", "StoryInit", "StoryCaption", "StoryMenu", "StoryBanner", "StorySubtitle",
    "StoryAuthor", "StoryInterface", "StoryShare", "StoryDisplayTitle", "PassageReady", "PassageDone",
    "PassageHeader", "PassageFooter", "StorySettings", "StoryIncludes",
}  # fmt: skip


class TwineError(ValueError):
    """Unparseable input; `line` (1-based) and `passage` say where."""

    def __init__(self, message: str, *, line: int | None = None, passage: str | None = None):
        where = []
        if line is not None:
            where.append(_("line %(line)d") % {"line": line})
        if passage:
            where.append(_("passage «%(name)s»") % {"name": passage})
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.message, self.line, self.passage = str(self), line, passage


@dataclass(frozen=True)
class Note:
    """One thing the import did not bring along (or changed), for the report."""

    kind: str
    message: str
    passage: str | None = None
    line: int | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "passage": self.passage, "line": self.line, "message": self.message}


@dataclass
class Passage:
    name: str
    text: str
    line: int
    tags: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    text_line: int = 0  # the line its text starts on


@dataclass
class Story:
    title: str
    start: str | None  # the start passage's name, as the story says
    passages: list[Passage]
    notes: list[Note] = field(default_factory=list)


# --- Parsing ---------------------------------------------------------------------------


def parse(source: str, *, max_bytes: int) -> Story:
    """A Twine 2 HTML story or Twee text as passages; TwineError if it is neither."""
    if len(source) > max_bytes or len(source.encode("utf-8", "surrogatepass")) > max_bytes:
        raise TwineError(_("The story is larger than %(limit)d bytes.") % {"limit": max_bytes})
    text = source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise TwineError(_("The text contains a NUL character."), line=text.count("\n", 0, text.index("\x00")) + 1)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate (JSON allows "\ud800"): no database stores it
        raise TwineError(_("The text is not valid Unicode."), line=text.count("\n", 0, error.start) + 1) from None
    if re.search(r"<tw-storydata\b", text, re.IGNORECASE):
        story = _parse_html(text)
    elif re.search(r"^::", text, re.MULTILINE):
        story = _parse_twee(text)
    elif re.search(r"<(html|div)\b", text, re.IGNORECASE):
        raise TwineError(_("No <tw-storydata> element: this is not a Twine 2 story (Twine 1 files are not supported)."))
    else:
        raise TwineError(_("Neither a Twine 2 HTML story (<tw-storydata>) nor Twee text (passages start with '::')."))
    if not story.passages:
        raise TwineError(_("The story has no passages."))
    if len(story.passages) > MAX_PASSAGES:
        raise TwineError(_("The story has more than %(max)d passages.") % {"max": MAX_PASSAGES})
    return story


class _StoryHTML(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.story: dict | None = None
        self.in_story = False
        self.stories = 0
        self.passages: list[tuple[dict, int, list[str]]] = []
        self.current: tuple[dict, int, list[str]] | None = None
        self.code: list[str] | None = None  # story JavaScript or stylesheet being read
        self.code_seen: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if self.current is not None:
            if tag == "tw-passagedata":
                raise TwineError(_("A passage starts inside another passage."), line=self.getpos()[0])
            self.current[2].append(self.get_starttag_text() or "")
        elif tag == "tw-storydata":
            self.stories += 1
            if self.story is None:
                self.story, self.in_story = attrs, True
        elif tag == "tw-passagedata" and self.in_story:
            self.current = (attrs, self.getpos()[0], [])
        elif tag in ("script", "style") and self.in_story:
            self.code = []

    def handle_endtag(self, tag):
        if tag == "tw-passagedata" and self.current is not None:
            self.passages.append(self.current)
            self.current = None
        elif self.current is not None:
            self.current[2].append(f"</{tag}>")
        elif tag == "tw-storydata":
            self.in_story = False
        elif tag in ("script", "style") and self.code is not None:
            if "".join(self.code).strip():
                self.code_seen.append(tag)
            self.code = None

    def handle_data(self, data):
        if self.current is not None:
            self.current[2].append(data)
        elif self.code is not None:
            self.code.append(data)


def _parse_html(text: str) -> Story:
    parser = _StoryHTML()
    try:
        parser.feed(text)
        parser.close()
    except AssertionError as error:  # html.parser's markup declarations (e.g. "<![foo[")
        raise TwineError(_("Unreadable HTML (%(e)s).") % {"e": error}, line=parser.getpos()[0]) from None
    if parser.current is not None:
        name = parser.current[0].get("name")
        raise TwineError(_("The passage is not closed (</tw-passagedata>)."), line=parser.current[1], passage=name)
    story = parser.story or {}
    notes = []
    if parser.stories > 1:
        notes.append(Note("story_ignored", _("Only the first of %(n)d stories was imported.") % {"n": parser.stories}))
    for tag in sorted(set(parser.code_seen)):
        what = _("The story JavaScript") if tag == "script" else _("The story stylesheet")
        notes.append(Note("code_ignored", _("%(what)s was not imported.") % {"what": what}))
    passages, start = [], None
    for attrs, line, chunks in parser.passages:
        name = attrs.get("name", "").strip()
        if not name:
            raise TwineError(_("A passage has no name."), line=line)
        if attrs.get("pid") and attrs.get("pid") == story.get("startnode"):
            start = name
        passages.append(Passage(name, "".join(chunks), line, attrs.get("tags", "").split(), text_line=line))
    _note_format(notes, story.get("format"))
    return Story(story.get("name", "").strip(), start, passages, notes)


def _twee_header(line: str, number: int) -> tuple[str, list[str], dict]:
    rest, name, i = line[2:], [], 0
    while i < len(rest) and rest[i] not in "[{":
        if rest[i] == "\\" and i + 1 < len(rest):
            i += 1
        name.append(rest[i])
        i += 1
    title, rest = "".join(name).strip(), rest[i:].strip()
    if not title:
        raise TwineError(_("A passage has no name."), line=number)
    tags: list[str] = []
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            raise TwineError(_("The tag list is not closed with ']'."), line=number, passage=title)
        tags, rest = rest[1:end].split(), rest[end + 1 :].strip()
    metadata: dict = {}
    if rest.startswith("{"):
        try:
            metadata = json_loads_bounded(rest, max_depth=4)
        except ValueError as error:
            msg = _("The metadata is not valid JSON (%(e)s).") % {"e": error}
            raise TwineError(msg, line=number, passage=title) from None
        if not isinstance(metadata, dict):
            raise TwineError(_("The metadata must be a JSON object."), line=number, passage=title)
    elif rest and not re.fullmatch(r"<-?\d+(\.\d+)?,\s*-?\d+(\.\d+)?>", rest):  # Twee 2 positions are fine
        raise TwineError(_("Unexpected text after the passage header: %(t)s") % {"t": rest[:40]}, line=number)
    return title, tags, metadata


def _parse_twee(text: str) -> Story:
    passages: list[Passage] = []
    body: list[str] = []
    notes: list[Note] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith("::"):
            if passages:
                passages[-1].text = "\n".join(body).rstrip()
            elif "".join(body).strip():
                notes.append(Note("text_ignored", _("The text before the first passage was not imported."), line=1))
            name, tags, metadata = _twee_header(line, number)
            passages.append(Passage(name, "", number, tags, metadata, text_line=number + 1))
            body = []
        else:
            body.append(line[1:] if line.startswith("\\::") else line)
    passages[-1].text = "\n".join(body).rstrip()
    title, start, fmt = "", None, None
    for passage in passages:
        if passage.name == "StoryTitle":
            title = passage.text.strip()
        elif passage.name == "StoryData":
            try:
                data = json_loads_bounded(passage.text or "{}", max_depth=4)
            except ValueError as error:
                msg = _("StoryData is not valid JSON (%(e)s).") % {"e": error}
                raise TwineError(msg, line=passage.line, passage="StoryData") from None
            if not isinstance(data, dict):
                raise TwineError(_("StoryData must be a JSON object."), line=passage.line, passage="StoryData")
            start = data.get("start") if isinstance(data.get("start"), str) else None
            fmt = data.get("format") if isinstance(data.get("format"), str) else None
    _note_format(notes, fmt)
    return Story(title, start, passages, notes)


def _note_format(notes: list[Note], fmt: str | None) -> None:
    if fmt:
        notes.append(
            Note("story_format", _("Story format %(f)s: its macros and code do not run here.") % {"f": fmt[:40]})
        )
