"""The catalogues (API.md 1.1, languages): every template string is marked, every catalogue is complete
(no untranslated, no fuzzy entry), up to date with the code, compiled and loaded."""

import html
import importlib.util
import json
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.test import override_settings
from django.utils.translation import trans_real

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
LOCALES = ["en", "ko", "zh_Hant", "zh_Hans"]
DOMAINS = ["django", "djangojs"]
CATALOGUES = [ROOT / "locale" / lang / "LC_MESSAGES" / f"{domain}.po" for lang in LOCALES for domain in DOMAINS]

# Literal text that stays the same in every language, with why.
LITERAL = {
    "Episodic",  # the brand name in the header
    "CSV",  # file formats in the export links
    "JSON",
    "API",  # a link to the API, named the same in every language
    "UTC",  # the time standard's name, written the same in ko/zh
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


def test_the_marking_test_finds_unmarked_text_and_passes_marked_text(tmp_path):
    template = tmp_path / "page.html"
    template.write_text(
        '{% load i18n %}<h1>{% translate "Hello" %}</h1><p title="Shown on hover">Not marked {{ x }}</p>'
        "{% blocktranslate %}Marked {{ x }}{% endblocktranslate %}{% comment %}a note{% endcomment %}"
        "<script>let a = 'code';</script><p>Episodic · UTC</p>"
    )
    assert unmarked_texts(template) == ["Not marked {…}", "Shown on hover"]


@pytest.fixture(scope="module")
def compiled():
    """The .mo files, as make install / run / test compile them (platform/run.py), then Django's
    translations reloaded (it caches catalogues per process)."""
    spec = importlib.util.spec_from_file_location("launcher", ROOT / "platform" / "run.py")
    launcher = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launcher)
    if launcher.compile_catalogues():
        trans_real._translations = {}
        trans_real._default = None
    return [po.with_suffix(".mo") for po in CATALOGUES]


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\([a-z_0-9]+\)[sd]|%[sd]", text))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: f"{path.parts[-3]}/{path.stem}")
def test_every_catalogue_is_complete_without_fuzzy_entries(path):
    catalogue = polib.pofile(str(path))
    assert not catalogue.metadata_is_fuzzy
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    assert catalogue.obsolete_entries() == []
    two_forms = "nplurals=2" in catalogue.metadata.get("Plural-Forms", "")
    for entry in catalogue:  # a translation keeps every placeholder of its English text
        if not entry.msgid_plural:
            assert _placeholders(entry.msgstr) == _placeholders(entry.msgid), entry.msgid
            continue
        for form, text in entry.msgstr_plural.items():
            # English-like languages: form 0 is the singular ("the order's ticket"), which may leave
            # the count out; a one-form language (Korean, Chinese) says every count with the plural's.
            english = entry.msgid if two_forms and int(form) == 0 else entry.msgid_plural
            assert _placeholders(text) == _placeholders(english), entry.msgid


@pytest.mark.skipif(not shutil.which("xgettext"), reason="makemessages needs GNU gettext (CI installs it)")
def test_the_catalogues_are_up_to_date_with_the_code(tmp_path, monkeypatch):
    """What `make messages` would extract now (into a scratch copy) has exactly the msgids the
    committed catalogues hold: no string of the code or templates is missing a translation."""
    for name in ("config", "screenings", "voting", "templates", "static"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        for domain in DOMAINS:
            call_command("makemessages", locale=["ko"], domain=domain, symlinks=True, no_obsolete=True, verbosity=0)
    for domain in DOMAINS:
        extracted = polib.pofile(str(tmp_path / "locale" / "ko" / "LC_MESSAGES" / f"{domain}.po"))
        committed = polib.pofile(str(ROOT / "locale" / "ko" / "LC_MESSAGES" / f"{domain}.po"))
        ids = lambda catalogue: sorted((entry.msgid, entry.msgid_plural) for entry in catalogue)  # noqa: E731
        assert ids(extracted) == ids(committed), f"{domain}: run `make messages` and translate what is new"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "heading"),
    [("ko", "예정 및 진행 중인 상영"), ("zh-hant", "即將上映與放映中的場次"), ("zh-hans", "即将上映与放映中的场次"),
     ("en", "Upcoming and live screenings")],
)  # fmt: skip
def test_a_page_speaks_the_language_of_the_lang_cookie_from_the_compiled_catalogue(client, compiled, lang, heading):
    assert all(mo.exists() for mo in compiled)
    client.cookies["lang"] = lang
    html_text = client.get("/").content.decode()
    assert f"<h2>{heading}</h2>" in html_text
    assert f'<html lang="{lang}">' in html_text


@pytest.mark.django_db
def test_the_javascript_catalogue_carries_the_scripts_translations(client, compiled):
    korean = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert json.dumps("다음: %s")[1:-1] in korean  # screen.js's "Next: %s"
    traditional = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()
    assert json.dumps("下一集\uff1a%s")[1:-1] in traditional


@pytest.mark.django_db
def test_a_domain_error_in_korean_keeps_its_code(api_client, compiled):
    english = api_client.get("/api/screenings/999999/", HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    korean = api_client.get("/api/screenings/999999/", HTTP_ACCEPT_LANGUAGE="ko").json()["error"]
    assert english == {"code": "not_found", "message": "No such screening."}
    assert korean == {"code": "not_found", "message": "해당 상영이 없습니다."}


@pytest.mark.django_db
def test_field_problems_come_in_the_language_too(api_client, compiled, django_user_model):
    api_client.force_authenticate(django_user_model.objects.create_user("organizer"))
    body = api_client.post(
        "/api/venues/", {"name": "CGV", "seats": 0, "time_zone": "Asia/Seoul"}, format="json",
        HTTP_ACCEPT_LANGUAGE="zh-Hans",
    ).json()["error"]  # fmt: skip
    assert body["code"] == "invalid"
    assert body["message"] == "部分字段无效。"  # ours; the field's problem is DRF's own catalogue
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["fields"]["seats"][0])
