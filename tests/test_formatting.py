"""A message body's formatting: the chat's Markdown, its links, mentions and
:shortcodes:."""

import random
import subprocess
import sys
from types import SimpleNamespace

import pytest

from rooms.messages import formatting
from rooms.messages.formatting import render

from .conftest import ROOT

# The database does not matter to it: one of tests/run's two runs.
pytestmark = pytest.mark.one_run("postgres")

LINK = 'class="message-link" target="_blank" rel="noopener noreferrer nofollow ugc"'
ADA = SimpleNamespace(pk=7, username="ada")


def html(body, mentioned=None):
    return render(body, mentioned or {}).strip()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("*it* _it_", "<p><em>it</em> <em>it</em></p>"),
        ("**bold**", "<p><strong>bold</strong></p>"),
        ("~~gone~~", "<p><del>gone</del></p>"),
        ("`a < b`", "<p><code>a &lt; b</code></p>"),
        ("> said\n> twice", "<blockquote>\n<p>said<br>\ntwice</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("first\nsecond\n\nthird", "<p>first<br>\nsecond</p>\n<p>third</p>"),
    ],
)
def test_the_chat_subset_of_markdown(body, expected):
    assert html(body) == expected


def test_a_fenced_block_keeps_its_lines_and_names_its_language():
    assert html("```python\nif a:\n    b()\n```") == (
        '<pre><code data-language="python" class="language-python">'
        "if a:\n    b()\n</code></pre>"
    )


@pytest.mark.parametrize(
    "body",
    [
        "# not a heading",
        "    not code",
        "![a picture](https://hidden.example/x.png)",
        "&amp;",
    ],
)
def test_what_a_chat_does_not_format_stays_as_typed(body):
    """No headings, indented code, entities or pictures."""
    shown = html(body)
    assert "<h1" not in shown and "<pre" not in shown and ">text</a>" not in shown
    assert shown.startswith("<p>")


@pytest.mark.parametrize(
    ("body", "href", "text"),
    [
        ("see https://example.com/a?b=1.", "https://example.com/a?b=1", None),
        ("(http://example.com/x)", "http://example.com/x", None),
        ("go to www.example.com, now", "http://www.example.com", "www.example.com"),
        ("mail mailto:ada@example.com!", "mailto:ada@example.com", None),
        ("write to ada@example.com.", "mailto:ada@example.com", "ada@example.com"),
        ("HTTPS://EXAMPLE.COM/", "HTTPS://EXAMPLE.COM/", None),
    ],
)
def test_typed_addresses_become_links_and_punctuation_stays_outside(body, href, text):
    shown = html(body)
    assert f'<a href="{href}" {LINK}>{text or href}</a>' in shown


@pytest.mark.parametrize(
    "body",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,hi",
        "vbscript:msgbox(1)",
        "ftp://example.com/file",
        "//example.com/protocol-relative",
        "setup.py and example.com",
        "ada@localhost",
        "[x](javascript:alert(1))",
        "<javascript:alert(1)>",
    ],
)
def test_nothing_else_becomes_a_link(body):
    assert "<a" not in html(body)


def test_raw_html_is_text():
    assert html("<b onclick=x>hi</b>") == "<p>&lt;b onclick=x&gt;hi&lt;/b&gt;</p>"


def test_mentions_link_inside_formatting_but_not_in_code_or_addresses():
    shown = html("**@ada** `@ada` ada@ada.example @nobody", {"ada": ADA})
    mention = '<a class="mention" data-user="7" href="/dm/ada/">@ada</a>'
    assert shown == (
        f"<p><strong>{mention}</strong> <code>@ada</code> ada@ada.example @nobody</p>"
    )


def test_a_mention_beside_a_link_leaves_the_link_alone():
    shown = html("@ada https://example.com/@ada", {"ada": ADA})
    assert shown.count('class="mention"') == 1
    assert 'href="https://example.com/@ada"' in shown


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("party :tada:", "<p>party 🎉</p>"),
        (":+1: :thumbsup::-1:", "<p>👍 👍👎</p>"),
        ("**:white_check_mark:** done", "<p><strong>✅</strong> done</p>"),
        # Unicode's own names as well as the common aliases.
        (":party_popper: :heart:", "<p>🎉 ❤️</p>"),
        ("(:smile:)", "<p>(😄)</p>"),
        (
            "hi @ada :wave:",
            '<p>hi <a class="mention" data-user="7" href="/dm/ada/">@ada</a> 👋</p>',
        ),
    ],
)
def test_known_shortcodes_become_their_emoji(body, expected):
    assert html(body, {"ada": ADA}) == expected


@pytest.mark.parametrize(
    "body",
    [
        ":unknown: :tadaa: : tada:",
        "at 12:30:45, then 9:15:",
        "ratio a:x:b",  # :x: is an emoji, but here it is inside words
    ],
)
def test_unknown_names_and_times_stay_as_typed(body):
    assert html(body) == f"<p>{body}</p>"


def test_no_shortcode_in_code_or_addresses():
    shown = html("`:tada:` https://example.com/:tada:/\n```\n:tada:\n```")
    assert "🎉" not in shown
    assert "<code>:tada:</code>" in shown
    assert 'href="https://example.com/:tada:/"' in shown
    assert "<pre><code>:tada:\n</code></pre>" in shown


@pytest.mark.parametrize(
    ("body", "href", "text", "host"),
    [
        (
            "[the plan](https://docs.example.com/plan)",
            "https://docs.example.com/plan",
            "the plan",
            "docs.example.com",
        ),
        # Text that names another place cannot hide where the link goes.
        (
            "[https://bank.example](https://evil.example/x)",
            "https://evil.example/x",
            "https://bank.example",
            "evil.example",
        ),
        # Look-alike letters show as the address bar would: punycode.
        (
            "[apple](https://\u0430pple.com)",
            "https://xn--pple-43d.com",
            "apple",
            "xn--pple-43d.com",
        ),
        (
            "[write](mailto:ada@example.com)",
            "mailto:ada@example.com",
            "write",
            "ada@example.com",
        ),
    ],
)
def test_a_written_link_shows_where_it_goes(body, href, text, host):
    shown = html(body)
    assert f'<a href="{href}" {LINK}>{text}</a>' in shown
    assert f'<span class="message-link-host"> ({host})</span>' in shown


def test_the_link_encoding_table_is_built_before_any_thread_draws():
    # mdurl shares the table before filling it: a thread drawing a link
    # while another builds it read a half-built one (IndexError, seen once
    # in a full run). Importing formatting builds it; in a fresh process,
    # as nothing else has drawn a link there yet.
    table = (
        "import rooms.messages.formatting, mdurl._encode as e;"
        "print(len(e.encode_cache.get(e.ENCODE_DEFAULT_CHARS, ())))"
    )
    built = subprocess.run(
        [sys.executable, "-c", table], cwd=ROOT, capture_output=True, text=True
    )
    assert built.stdout.strip() == "128", built.stderr


# What bodies are made of below: every ASCII character but the line breaks,
# some letters and spaces beyond it, and the pieces rules start with.
PIECES = [
    *(chr(c) for c in range(32, 127)),
    *"\t\u00a0\u2028\u200béß中🎉",
    *("www.", "//", "http://", "ftp://", "1. ", "2) ", "- ", "+ ", "> ", "```"),
    *(":tada:", ":+1:", ":nope:", "12:30:45", "a@b.co", "&amp;", "  ", "word"),
]


def test_plain_bodies_are_drawn_as_markdown_draws_them():
    """What is_plain lets through skips the parser: it must come out the same."""
    rng = random.Random(32)
    plain = 0
    for _ in range(20_000):
        body = "".join(rng.choices(PIECES, k=rng.randint(1, 8)))
        if formatting.is_plain(body):
            plain += 1
            expected = formatting.markdown().render(body, {"mentioned": {}})
            assert formatting.plain_html(body) == expected, body
    assert plain > 1000  # the check above ran on many


@pytest.mark.parametrize(
    "body",
    [
        "bench-1- that's the plan: see you at 3 & bring the notes",
        "12:30 works for me, see example.com",
        "2024 was good :tada:",
        'she said "yes" (twice)',
        "¿Qué tal? Très bien, 中文",
    ],
)
def test_most_messages_are_plain(body):
    assert formatting.is_plain(body)


@pytest.mark.parametrize(
    "body",
    [
        "*it*",
        "snake_case",
        "a ~~b~~",
        "`x`",
        "[a](https://a.example)",
        "a \\* b",
        "<b>",
        "@ada",
        "see //x.example",
        "WWW.example.com",
        "- one",
        "+ one",
        "1. one",
        "3) three",
        "two\nlines",
        " padded",
        "",
    ],
)
def test_anything_that_may_format_is_parsed(body):
    assert not formatting.is_plain(body)
