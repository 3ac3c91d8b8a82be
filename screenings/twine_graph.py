"""From Twine passages to a story graph (pure): the episodes and branches a production will have,
and the notes of what could not come along.

Passages become episodes (named after the passage, the text without its links as synopsis, the
metadata's `duration` if any); links become branches in text order, a passage's first link its
default. The graph must stay a DAG: passages are visited breadth-first from the start and a link
that would close a loop is left out (so "go back" links go, forward ones stay). Links to no
passage, to the web, repeated links, setters, macros, media and tags are noted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from screenings import graph
from screenings.twine import (
    DURATION_MAX,
    LABEL_MAX,
    MAX_LINKS,
    MAX_NOTES,
    MAX_RAW_LINKS,
    SPECIAL_NAMES,
    SPECIAL_TAGS,
    TITLE_MAX,
    Note,
    Passage,
    Story,
    TwineError,
    parse,
)

LINK = re.compile(r"\[\[(.*?)\]\]")
MACRO = re.compile(r"<<\s*/?[A-Za-z][\w-]*|\([a-z][\w-]*:|\{[a-z][\w ]*[:}]")
MEDIA = re.compile(r"<\s*(img|audio|video|iframe|source|embed|object)\b", re.IGNORECASE)
EXTERNAL = re.compile(r"^\w+:\/\/\/?\w", re.IGNORECASE)


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
