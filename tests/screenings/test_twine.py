"""Reading Twine (screenings/twine.py, twine_graph.py) and writing Twee (screenings/twee.py): pure, no database."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screenings import twee, twine
from screenings.twine_graph import import_plan, link_parts, synopsis_of
from tests.screenings.twine_graphs import LANTERN_BRANCHES, LANTERN_EPISODES, fixture_text

LIMIT = 2 * 1024 * 1024


def plan_of(source: str):
    return import_plan(source, max_bytes=LIMIT)


def kinds(plan) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {}
    for note in plan.notes:
        found.setdefault(note.kind, []).append((note.passage, note.line))
    return found


def graph(plan) -> tuple:
    return (
        plan.title,
        plan.start,
        [(e.title, e.synopsis) for e in plan.episodes],
        [(b.source, b.target, b.label, b.is_default) for b in plan.branches],
    )


# --- The fixtures ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lantern.html", "lantern.twee"])
def test_both_fixtures_become_the_expected_graph(name):
    plan = plan_of(fixture_text(name))

    assert graph(plan) == ("The Lantern Keeper", "Arrival", LANTERN_EPISODES, LANTERN_BRANCHES)


def test_the_html_archive_reports_what_did_not_come_along_with_passages_and_lines():
    found = kinds(plan_of(fixture_text("lantern.html")))

    assert found["broken_link"] == [("Arrival", 9)]  # [[Swim back->The Mainland]]
    assert found["loop"] == [("The Lighthouse", 11)]  # [[Go back->Arrival]]
    assert found["external_link"] == [("The Fair", 11)]
    assert found["unreachable"] == [("Notes", 6)]
    assert found["macro"] == [("Arrival", 6)]
    assert found["media"] == [("The Lighthouse", 9)]
    assert sorted(found["tags_ignored"]) == [("Notes", 6), ("The Fair", 11)]
    assert found["code_ignored"] == [(None, None), (None, None)]  # the story JavaScript and stylesheet
    assert found["story_format"] == [(None, None)]


def test_the_twee_file_reports_the_same_with_its_own_lines():
    plan = plan_of(fixture_text("lantern.twee"))
    found = kinds(plan)

    assert found["broken_link"] == [("Arrival", 31)]
    assert found["loop"] == [("The Lighthouse", 37)]
    assert found["external_link"] == [("The Fair", 41)]
    assert found["unreachable"] == [("Notes", 23)]
    assert found["special_passage"] == [("UserStylesheet", 15), ("UserScript", 19)]
    loop = next(n for n in plan.notes if n.kind == "loop")
    assert "«The Lighthouse» → «Arrival» → «The Lighthouse»" in loop.message


# --- Links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ("Target", ("Target", "Target", False)),
        ("Go on->Target", ("Go on", "Target", False)),
        ("Target<-Go on", ("Go on", "Target", False)),
        ("Go on|Target", ("Go on", "Target", False)),
        ("a->b->Target", ("a->b", "Target", False)),  # the rightmost ->
        ("Target<-a<-b", ("a<-b", "Target", False)),  # the leftmost <-
        ("a|b->Target", ("a|b", "Target", False)),  # -> before |
        ("Go|Target][$x to 1", ("Go", "Target", True)),  # SugarCube's setter
        ("  spaced -> Target  ", ("spaced", "Target", False)),
    ],
)
def test_links_are_read_as_twine_2_reads_them(inner, expected):
    assert link_parts(inner) == expected


def test_a_synopsis_keeps_sentences_and_drops_lines_of_links():
    text = "You wake.\n[[Left]] [[Right]]\n\nGo [[up->Attic]] or stay.\n\n\n\nThe end?"

    assert synopsis_of(text) == "You wake.\n\nGo up or stay.\n\nThe end?"


def test_loops_self_links_and_repeated_links_are_left_out_and_the_first_link_is_the_default():
    source = """:: StoryData
{"start": "A"}
:: A
[[B]]
[[to C->C]]
[[again->B]]
[[A]]
:: B
[[C]]
:: C
[[back to the start->A]]
[[D]]
:: D
The end."""
    plan = plan_of(source)

    assert [(b.source, b.target, b.is_default) for b in plan.branches] == [
        ("A", "B", True),
        ("A", "C", False),
        ("B", "C", True),
        ("C", "D", True),
    ]
    assert [(n.kind, n.passage, n.line) for n in plan.notes if n.kind in {"loop", "duplicate_link"}] == [
        ("duplicate_link", "A", 6),
        ("loop", "A", 7),
        ("loop", "C", 11),
    ]


# --- Passages and the start ---------------------------------------------------------------


def test_the_start_is_the_storys_start_then_a_passage_named_start_then_the_first():
    assert plan_of(':: StoryData\n{"start": "Two"}\n:: One\n[[Two]]\n:: Two\nx').start == "Two"
    assert plan_of(":: One\nx\n:: Start\n[[One]]").start == "Start"
    plan = plan_of(':: StoryData\n{"start": "Gone"}\n:: One\nx\n:: Two\ny')
    assert plan.start == "One"
    assert "start" in kinds(plan)


def test_duplicate_names_keep_the_first_and_special_passages_are_not_scenes():
    plan = plan_of(
        ":: StoryTitle\nT\n:: A\nfirst\n:: A\nsecond\n:: StoryInit\n(set: $x to 1)\n:: Widgets [widget]\n<<widget>>"
    )

    assert [(e.title, e.synopsis) for e in plan.episodes] == [("A", "first")]
    assert kinds(plan)["duplicate_passage"] == [("A", 5)]
    assert kinds(plan)["special_passage"] == [("StoryInit", 7), ("Widgets", 9)]


def test_twee_names_unescape_tags_and_metadata_are_read_and_durations_kept():
    plan = plan_of(
        ':: A \\[1\\] \\{x\\} [tag one] {"position":"1,2","duration":90}\nText\n:: B {"duration": "long"}\nx'
    )

    assert [(e.title, e.duration_seconds) for e in plan.episodes] == [("A [1] {x}", 90), ("B", None)]
    assert kinds(plan)["tags_ignored"] == [("A [1] {x}", 1)]


def test_html_entities_and_markup_inside_passages_come_through():
    source = (
        '<tw-storydata name="S &amp; T" startnode="1"><tw-passagedata pid="1" name="A&lt;1&gt;">'
        'Say <b>hi</b> &amp; [[go-&gt;B]]</tw-passagedata><tw-passagedata pid="2" name="B">x</tw-passagedata>'
        "</tw-storydata>"
    )
    plan = plan_of(source)

    assert plan.title == "S & T"
    assert [(e.title, e.synopsis) for e in plan.episodes] == [("A<1>", "Say <b>hi</b> & go"), ("B", "x")]
    assert [(b.source, b.target, b.label) for b in plan.branches] == [("A<1>", "B", "go")]


def test_a_story_without_a_title_gets_one_and_long_names_are_cut():
    plan = plan_of(f":: {'N' * 250}\nx")

    assert plan.title == "Untitled Twine story"
    assert plan.episodes[0].title == "N" * 200
    assert {"title", "truncated"} <= set(kinds(plan))


# --- Unreadable input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("", "Neither a Twine 2 HTML story"),
        ("Once upon a time.", "Neither a Twine 2 HTML story"),
        ('<html><div tiddler="Start">x</div></html>', "Twine 1"),
        (":: A\nx\n:: B [tag\ny", "line 3, passage «B»: The tag list is not closed"),
        (':: A\nx\n:: B {"position": 1,}\ny', "line 3, passage «B»: The metadata is not valid JSON"),
        (":: A {[1]}\nx", "line 1, passage «A»: The metadata is not valid JSON"),
        (":: A [t] nonsense\nx", "line 1: Unexpected text after the passage header"),
        ("::\nx", "line 1: A passage has no name"),
        (":: StoryData\n{oops\n:: A\nx", "line 1, passage «StoryData»: StoryData is not valid JSON"),
        (":: StoryData\n[1]\n:: A\nx", "StoryData must be a JSON object"),
        (":: A\nfine\nbad \x00 byte", "line 3: The text contains a NUL character"),
        ('<tw-storydata><tw-passagedata pid="1" name="A">x', "line 1, passage «A»: The passage is not closed"),
        ('<tw-storydata>\n<tw-passagedata pid="1">x</tw-passagedata>', "line 2: A passage has no name"),
        ('<tw-storydata name="S"></tw-storydata>', "no passages"),
        (":: StoryTitle\nOnly a title", "no passages that can become episodes"),
        ("<tw-storydata>\n<![foo[ x", "line 2: Unreadable HTML"),
        (":: A\nok\n\ud800", "line 3: The text is not valid Unicode"),
    ],
)
def test_unreadable_input_names_the_line_and_passage(source, words):
    with pytest.raises(twine.TwineError) as raised:
        plan_of(source)

    assert words in str(raised.value)


def test_deep_metadata_is_refused_not_a_recursion_error():
    with pytest.raises(twine.TwineError, match="line 1, passage «A»"):
        plan_of(":: A {" + '"a":' * 3 + "[" * 50_000 + "]" * 50_000 + "}\nx")


def test_input_is_bounded_in_bytes_passages_and_links():
    with pytest.raises(twine.TwineError, match="larger than 100 bytes"):
        import_plan(":: A\n" + "é" * 60, max_bytes=100)  # 60 characters, 120 bytes
    with pytest.raises(twine.TwineError, match=f"more than {twine.MAX_PASSAGES} passages"):
        plan_of("".join(f":: P{i}\nx\n" for i in range(twine.MAX_PASSAGES + 1)))
    with pytest.raises(twine.TwineError, match=f"more than {twine.MAX_RAW_LINKS} links"):
        plan_of(":: A\n" + "[[A]]" * (twine.MAX_RAW_LINKS + 1))


def test_the_report_is_bounded():
    plan = plan_of(":: A\n" + "\n".join(f"[[Nowhere {i}]]" for i in range(1000)))

    assert len(plan.notes) == twine.MAX_NOTES + 1
    assert plan.notes[-1].kind == "more"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(["::", ":: A", "[[", "]]", "->", "<-", "|", "][", "{", "}", "[", "]", "\\", "\n", '"']),
            st.sampled_from(["<tw-storydata", "<tw-passagedata name='A'>", "</tw-passagedata>", "&amp;", "<script>"]),
            st.sampled_from(["<![", "<!", "<?", "&#", "\ud800", "\x00", "\r", "\ufeff", "<!--", "-->"]),
        ),
        max_size=40,
    ).map("".join)
)
def test_any_text_is_read_or_refused_with_a_twine_error(source):
    try:
        plan = plan_of(source)
    except twine.TwineError as error:
        assert error.message
    else:
        assert plan.episodes and plan.start in {e.title for e in plan.episodes}
        assert {b.source for b in plan.branches} <= {e.title for e in plan.episodes}
        stored = [plan.title, *(e.title + e.synopsis for e in plan.episodes), *(b.label for b in plan.branches)]
        assert all("\x00" not in text and text.encode("utf-8") for text in stored)  # a database can hold them


# --- Writing Twee --------------------------------------------------------------------------


def test_written_twee_reads_back_as_the_same_graph_even_with_awkward_titles():
    scenes = [
        twee.Scene(1, "Start [here] {now}", "Line one\n:: not a header\nsee [[this]]", 90, (("Go -> on", 2), ("x", 3))),
        twee.Scene(2, "Fork->Left|Right", "", 30, (("Done]]", 4),)),
        twee.Scene(3, "StoryInit", "A special name.", 30, (("Done", 4),)),
        twee.Scene(4, "Fork->Left|Right", "The end.", 45, ()),
    ]
    text = twee.twee_write(title="A [story]", ifid=twee.story_ifid("s"), start=1, scenes=scenes, positions={})
    plan = plan_of(text)
    names = twee.passage_names(scenes)

    assert names == {1: "Start (here) {now}", 2: "Fork→Left|Right", 3: "StoryInit (episode)", 4: "Fork→Left|Right (2)"}
    assert plan.title == "A (story)" and plan.start == names[1]
    assert [(e.title, e.synopsis, e.duration_seconds) for e in plan.episodes] == [
        (names[1], "Line one\n:: not a header\nsee [ [this]]", 90),
        (names[2], "", 30),
        (names[3], "A special name.", 30),
        (names[4], "The end.", 45),
    ]
    assert [(b.source, b.target, b.label, b.is_default) for b in plan.branches] == [
        (names[1], names[2], "Go -> on", True),
        (names[1], names[3], "x", False),
        (names[2], names[4], "Done))", True),
        (names[3], names[4], "Done", True),
    ]
    assert [n.kind for n in plan.notes] == ["story_format"]


def test_the_ifid_is_a_stable_uppercase_uuid():
    assert twee.story_ifid("lantern") == twee.story_ifid("lantern") != twee.story_ifid("other")
    assert twee.story_ifid("lantern").isupper() and len(twee.story_ifid("lantern")) == 36
