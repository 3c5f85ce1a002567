"""Every word a person sees is marked for translation and has its Spanish.

Three checks, each naming what it found:
- the templates: any text or text attribute outside {% translate %} and
  {% blocktranslate %};
- the strings Python hands to templates (form labels, errors, messages):
  the gallery drawn in Spanish, where something still reads exactly as in
  English and is a string of the chat's own code;
- the catalogue: made from the code as it is now, every entry translated,
  compiled to the committed django.mo.
"""

import ast
import filecmp
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.template.base import Lexer, TokenType

from site_config.gallery import exhibits

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
CATALOGUE = ROOT / "locale" / "es" / "LC_MESSAGES"

# Attributes people read or hear.
TEXT_ATTRIBUTES = {"aria-label", "aria-description", "title", "placeholder", "alt"}
LETTER = re.compile(r"[^\W\d_]")
ATTRIBUTES = re.compile(r"[\w:.-]+=[\"']")
WORDS = re.compile(r"[^\W\d_]{2,} +[^\W\d_]{2,}")
# Where a template tag or variable stood: never text of its own.
TAG = "\x00"
# Blocks and partials drawn inside a tag: attributes and class names, not text.
INSIDE_A_TAG = {"body_attributes", "entry-classes"}

# Read the same in both languages: names and words the gallery's made-up
# data shares with the code, and the languages under Profile, each named in
# itself so that anyone finds their own.
SAME_IN_BOTH = {"Chat", "general", "Slack", "English", "Español", "of"}


class _Texts(HTMLParser):
    """Collect what a page shows: text, and the attributes read aloud."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skipping += 1
        for name, value in attrs:
            is_button_text = name == "value" and dict(attrs).get("type") in (
                "submit",
                "button",
            )
            # Words a script shows: data-too-long="Too long to send…".
            is_words_for_a_script = name.startswith("data-") and WORDS.search(
                value or ""
            )
            if value and (
                name in TEXT_ATTRIBUTES or is_button_text or is_words_for_a_script
            ):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.texts.append(data)


def shown(html):
    parser = _Texts()
    parser.feed(html)
    parser.close()
    texts = (" ".join(text.replace(TAG, " ").split()) for text in parser.texts)
    # Not attributes a block adds to a tag of the page around it.
    return [t for t in texts if LETTER.search(t) and not ATTRIBUTES.match(t)]


def template_text(source):
    """The template with its tags as TAG and its translated text dropped."""
    out, translating, commenting, inside_a_tag = [], False, False, False
    for token in Lexer(source).tokenize():
        words = token.split_contents() if token.token_type == TokenType.BLOCK else []
        name = words[0] if words else ""
        if name in ("blocktranslate", "blocktrans"):
            translating = True
        elif name in ("endblocktranslate", "endblocktrans"):
            translating = False
        elif name == "comment":
            commenting = True
        elif name == "endcomment":
            commenting = False
        elif name in ("block", "partialdef") and words[1] in INSIDE_A_TAG:
            inside_a_tag = True
        elif name in ("endblock", "endpartialdef"):
            inside_a_tag = False
        skipped = translating or commenting or inside_a_tag
        if token.token_type == TokenType.TEXT and not skipped:
            out.append(token.contents)
        elif token.token_type != TokenType.COMMENT:
            out.append(TAG)
    return "".join(out)


def html_templates():
    """Every page, fragment and email; not the gallery's frame, which only
    designers see."""
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix in (".html", ".txt") and path.parent.name != "gallery":
            yield path


@pytest.mark.parametrize(
    "path", list(html_templates()), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_every_text_in_the_templates_is_marked(path):
    unmarked = shown(template_text(path.read_text()))
    assert unmarked == [], f"wrap these in {{% translate %}}: {unmarked}"


def code_strings():
    """The chat's own string literals, less the gallery's made-up data."""
    strings = set()
    for package in ("accounts", "rooms", "site_config"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path.name == "gallery.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    strings.add(" ".join(node.value.split()))
    return {s for s in strings if LETTER.search(s)} - SAME_IN_BOTH


def untranslated(text, code):
    """Whether text is, or contains a sentence of, a string of the code."""
    return text in code or any(
        len(string) >= 12 and " " in string and string in text for string in code
    )


@pytest.mark.django_db
@pytest.mark.one_run("sqlite")
def test_the_gallery_in_spanish_shows_no_english_of_ours(client):
    staff = get_user_model().objects.create_user("designer", is_staff=True)
    client.force_login(staff)
    code = code_strings()
    found = {}
    for exhibit in exhibits():
        url = f"/gallery/{exhibit.slug}/"
        english = client.get(url, headers={"accept-language": "en"})
        spanish = client.get(url, headers={"accept-language": "es"})
        assert spanish.headers["Content-Language"] == "es"
        same = set(shown(english.content.decode())) & set(
            shown(spanish.content.decode())
        )
        # The stage's <title> names the exhibit, for designers only.
        same = {text for text in same if not text.endswith(" · Gallery")}
        left = sorted(text for text in same if untranslated(text, code))
        if left:
            found[exhibit.slug] = left
    assert found == {}, "mark these for translation, or translate them"


@pytest.mark.one_run("sqlite")
def test_the_catalogue_is_current_complete_and_compiled(tmp_path):
    if not shutil.which("msgfmt"):
        pytest.fail("GNU gettext is missing: make browser installs it")
    # The whole catalogue made again from the code, in a copy of the repo.
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns(".*", "tests", "bench", "static*", "media", "*.pyc")
    shutil.copytree(ROOT, copy, ignore=ignore)
    # With the project's own settings: the tests' are not in the copy.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        ["make", "-s", "messages", f"VENV={ROOT / '.venv'}"],
        cwd=copy,
        env=env,
        check=True,
    )
    made = copy / "locale" / "es" / "LC_MESSAGES"
    for name in ("django.po", "django.mo"):
        assert filecmp.cmp(made / name, CATALOGUE / name, shallow=False), (
            f"{name} is behind the code: run `make messages` and translate"
        )
    statistics = subprocess.run(
        ["msgfmt", "--statistics", "--output-file=/dev/null", CATALOGUE / "django.po"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert "untranslated" not in statistics and "fuzzy" not in statistics, statistics
