"""Writing a story graph as Twee 3 text (pure): what screenings/twine.py reads back.

Each episode is a passage named after its title, its synopsis as the text, then one
`[[label->Target]]` line per branch, the default first; the passage metadata carries
Twine's map position and the episode's `duration`. Passage names are made safe for
Twee and for links (no brackets, no '->', one line, not a story-format special name,
unique: " (2)", " (3)" … when titles repeat).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

from screenings.twine import SPECIAL_NAMES

STORY_FORMAT = ("Harlowe", "3.3.9")  # Twine 2's default format; [[a->b]] links mean the same in SugarCube, Chapbook


@dataclass(frozen=True)
class Scene:
    key: int  # the episode id
    title: str
    synopsis: str
    duration_seconds: int
    links: tuple[tuple[str, int], ...]  # (label, target key), in the order they are written


def _one_line(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text.replace("[", "(").replace("]", ")")


def passage_names(scenes: list[Scene]) -> dict[int, str]:
    """A safe, unique passage name per scene key."""
    names: dict[int, str] = {}
    special = {name.lower() for name in SPECIAL_NAMES}
    taken = set(special)
    for scene in scenes:
        base = _one_line(scene.title).replace("->", "→").replace("<-", "←") or "Passage"
        if base.lower() in special:
            base = f"{base} (episode)"
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add(name.lower())
        names[scene.key] = name
    return names


def _escape_name(name: str) -> str:
    return re.sub(r"([\\\[\]{}])", r"\\\1", name)


def _text(synopsis: str) -> str:
    lines = synopsis.replace("\r\n", "\n").replace("[[", "[ [").split("\n")
    return "\n".join("\\" + line if line.startswith("::") else line for line in lines).strip()


def story_ifid(seed: str) -> str:
    """Twine's story id: a UUID, the same for every export of one production."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"episodic:production:{seed}")).upper()


def twee_write(*, title: str, ifid: str, start: int | None, scenes: list[Scene], positions: dict[int, tuple]) -> str:
    """The Twee 3 text of a story: StoryTitle, StoryData, then one passage per scene."""
    names = passage_names(scenes)
    data = {"ifid": ifid, "format": STORY_FORMAT[0], "format-version": STORY_FORMAT[1], "zoom": 1}
    if start in names:
        data["start"] = names[start]
    parts = [f":: StoryTitle\n{_one_line(title)}", ":: StoryData\n" + json.dumps(data, indent=2, ensure_ascii=False)]
    for scene in scenes:
        x, y = positions.get(scene.key, (0, 0))
        meta = json.dumps({"position": f"{x},{y}", "size": "100,100", "duration": scene.duration_seconds})
        body = [_text(scene.synopsis)] if scene.synopsis.strip() else []
        links = [f"[[{_one_line(label) or names[target]}->{names[target]}]]" for label, target in scene.links]
        if links:
            body.append("\n".join(links))
        parts.append(f":: {_escape_name(names[scene.key])} {meta}\n" + "\n\n".join(body))
    return "\n\n\n".join(parts) + "\n"
