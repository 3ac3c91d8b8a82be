"""Reading a Twine story: a Twine 2 HTML archive (or published story) or Twee 3 text.

Pure (no database): `parse()` turns untrusted text into passages, `plan()` turns
passages into the episodes and branches a production will have, and notes what
could not come along (macros, broken links, loops, media, tags, special passages…).
The story services then create them (screenings/services/twine_import.py), so every
graph rule still holds. Input is bounded: at most `max_bytes` of UTF-8, MAX_PASSAGES
passages and MAX_LINKS branches; unparseable input raises `TwineError` naming the line
and passage. Twee 3: https://github.com/iftechfoundation/twine-specs (twee-3-specification.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from config.jsonparse import json_loads_bounded
from screenings import graph

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
LINK = re.compile(r"\[\[(.*?)\]\]")
MACRO = re.compile(r"<<\s*/?[A-Za-z][\w-]*|\([a-z][\w-]*:|\{[a-z][\w ]*[:}]")
MEDIA = re.compile(r"<\s*(img|audio|video|iframe|source|embed|object)\b", re.IGNORECASE)
EXTERNAL = re.compile(r"^\w+:\/\/\/?\w", re.IGNORECASE)


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


@dataclass(frozen=True)
class Branch:
    source: str
    target: str
    label: str
    is_default: bool


@dataclass(frozen=True)
class Episode:
    title: str
    synopsis: str
    duration_seconds: int | None
    line: int


@dataclass
class Plan:
    title: str
    start: str
    episodes: list[Episode]
    branches: list[Branch]
    notes: list[Note]


# --- Parsing ---------------------------------------------------------------------------


def parse(source: str, *, max_bytes: int) -> Story:
    """A Twine 2 HTML story or Twee text as passages; TwineError if it is neither."""
    if len(source) > max_bytes or len(source.encode("utf-8", "surrogatepass")) > max_bytes:
        raise TwineError(_("The story is larger than %(limit)d bytes.") % {"limit": max_bytes})
    text = source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise TwineError(_("The text contains a NUL character."), line=text.count("\n", 0, text.index("\x00")) + 1)
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
    parser.feed(text)
    parser.close()
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


# --- From passages to a graph ---------------------------------------------------------


def link_parts(inner: str) -> tuple[str, str, bool]:
    """(label, target, had_setter) of the text between [[ and ]], as Twine 2 reads it: the
    rightmost '->', else the leftmost '<-', else the last '|', else the text is the target."""
    setter = "][" in inner
    inner = inner.split("][", 1)[0]
    if "->" in inner:
        label, target = inner.rsplit("->", 1)
    elif "<-" in inner:
        target, label = inner.split("<-", 1)
    elif "|" in inner:
        label, target = inner.rsplit("|", 1)
    else:
        label = target = inner
    return label.strip(), target.strip(), setter


def synopsis_of(text: str) -> str:
    """The passage's text without its links: lines of links only go, a link inside a sentence
    leaves its label."""
    lines = []
    for line in text.split("\n"):
        if LINK.search(line) and not LINK.sub("", line).strip():
            continue
        lines.append(LINK.sub(lambda m: link_parts(m.group(1))[0], line).rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def plan(story: Story) -> Plan:
    """The episodes and branches this story becomes, and the notes of what did not come along."""
    notes = list(story.notes)
    scenes: dict[str, Passage] = {}
    for passage in story.passages:
        special = sorted({t for t in passage.tags if t.lower() in SPECIAL_TAGS or t.lower().startswith("debug")})
        if passage.name in SPECIAL_NAMES or special:
            if passage.name not in ("StoryTitle", "StoryData"):
                notes.append(Note("special_passage", _("A story-format passage, not a scene: not imported."),
                                  passage.name, passage.line))  # fmt: skip
            continue
        name = passage.name[:TITLE_MAX].strip()
        if name != passage.name:
            notes.append(Note("truncated", _("The name was cut to %(n)d characters.") % {"n": TITLE_MAX}, name))
        if name in scenes:
            notes.append(Note("duplicate_passage", _("Another passage has this name: only the first was imported."),
                              name, passage.line))  # fmt: skip
            continue
        passage.name = name
        scenes[name] = passage
    if not scenes:
        raise TwineError(_("The story has no passages that can become episodes."))
    start = story.start if story.start in scenes else "Start" if "Start" in scenes else next(iter(scenes))
    if story.start != start:
        notes.append(Note("start", _("The story names no start passage it has: the start is «%(s)s».") % {"s": start}))

    raw = sum(len(LINK.findall(passage.text)) for passage in scenes.values())
    if raw > MAX_RAW_LINKS:
        raise TwineError(_("The story has more than %(max)d links.") % {"max": MAX_RAW_LINKS})
    links = {name: _links(passage, scenes, notes) for name, passage in scenes.items()}
    order = _breadth_first(start, links, list(scenes))
    index = {name: i for i, name in enumerate(order)}
    edges: list[tuple[int, int]] = []
    branches: list[Branch] = []
    for name in order:
        targets: set[str] = set()
        for label, target, line in links[name]:
            s, t = index[name], index[target]
            if target in targets:
                msg = _("A second link to «%(t)s»: not imported.") % {"t": target}
                notes.append(Note("duplicate_link", msg, name, line))
            elif loop := graph.branch_cycle(edges, s, t):
                path = " → ".join(f"«{order[i]}»" for i in [*loop, s])
                msg = _(
                    "The link to «%(t)s» would loop (%(p)s): a screening must always reach an ending. Not imported."
                )
                notes.append(Note("loop", msg % {"t": target, "p": path}, name, line))
            else:
                branches.append(Branch(name, target, label, is_default=not targets))
                targets.add(target)
                edges.append((s, t))
    if len(branches) > MAX_LINKS:
        raise TwineError(_("The story has more than %(max)d links.") % {"max": MAX_LINKS})
    seen = graph.reachable(index[start], edges, set(index.values()))
    for name in order:
        if index[name] not in seen:
            msg = _("Not reachable from the start passage: imported as an episode no screening reaches.")
            notes.append(Note("unreachable", msg, name, scenes[name].line))

    episodes = []
    for name in order:
        passage = scenes[name]
        _note_content(passage, notes)
        duration = passage.metadata.get("duration")
        ok = isinstance(duration, int) and not isinstance(duration, bool) and 1 <= duration <= DURATION_MAX
        episodes.append(Episode(name, synopsis_of(passage.text), duration if ok else None, passage.line))
    title = story.title[:TITLE_MAX].strip()
    if not title:
        title = _("Untitled Twine story")
        notes.append(Note("title", _("The story has no title: it is called «%(t)s».") % {"t": title}))
    if len(notes) > MAX_NOTES:
        more = _("… and %(n)d more notes like these.") % {"n": len(notes) - MAX_NOTES}
        notes = [*notes[:MAX_NOTES], Note("more", more)]
    return Plan(title, start, episodes, branches, notes)


def _links(passage: Passage, scenes: dict[str, Passage], notes: list[Note]) -> list[tuple[str, str, int]]:
    found = []
    for number, line in enumerate(passage.text.split("\n"), start=passage.text_line):
        for match in LINK.finditer(line):
            label, target, setter = link_parts(match.group(1))
            where = (passage.name, number)
            if setter:
                notes.append(Note("setter", _("The link's setter (][…]) was not imported."), *where))
            if not target:
                notes.append(Note("broken_link", _("An empty link: not imported."), *where))
            elif EXTERNAL.match(target):
                notes.append(Note("external_link", _("A link to a web page: not imported."), *where))
            elif target not in scenes:
                msg = _("The link to «%(t)s» leads to no passage: not imported.")
                notes.append(Note("broken_link", msg % {"t": target[:80]}, *where))
            else:
                if len(label) > LABEL_MAX:
                    notes.append(Note("truncated", _("A link label was cut to %(n)d characters.") % {"n": LABEL_MAX},
                                      *where))  # fmt: skip
                found.append((label[:LABEL_MAX].strip() or target[:LABEL_MAX], target, number))
    return found


def _breadth_first(start: str, links: dict[str, list[tuple[str, str, int]]], names: list[str]) -> list[str]:
    """Passages from the start outwards, links in text order, then the rest in file order."""
    order, seen, queue = [], {start}, [start]
    while queue:
        name = queue.pop(0)
        order.append(name)
        for _label, target, _line in links[name]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return order + [name for name in names if name not in seen]


def _note_content(passage: Passage, notes: list[Note]) -> None:
    macro = MACRO.search(passage.text)
    if macro:
        msg = _("Macros and code (e.g. %(m)s…) were kept as plain text in the synopsis; they do nothing here.")
        notes.append(Note("macro", msg % {"m": macro.group(0)}, passage.name, passage.line))
    if MEDIA.search(passage.text):
        msg = _("Images, sound or video in the passage were not imported: upload the episode's film instead.")
        notes.append(Note("media", msg, passage.name, passage.line))
    if passage.tags:
        msg = _("Tags ignored: %(tags)s.") % {"tags": ", ".join(passage.tags)}
        notes.append(Note("tags_ignored", msg, passage.name, passage.line))


def import_plan(source: str, *, max_bytes: int) -> Plan:
    return plan(parse(source, max_bytes=max_bytes))
