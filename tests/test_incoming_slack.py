"""Slack's payloads read as the chat's Markdown (rooms/incoming/slack.py),
and drawn by the chat's formatter."""

import pytest

from rooms.incoming.slack import payload_text
from rooms.messages.formatting import render
from rooms.slack.markup import to_markdown as mrkdwn

# The database does not matter to it: one of tests/run's two runs.
pytestmark = pytest.mark.one_run("postgres")


@pytest.mark.parametrize(
    ("slack", "ours"),
    [
        ("*bold* _italic_ ~gone~", "**bold** *italic* ~~gone~~"),
        ("2*3*4 and snake_case_name", "2*3*4 and snake_case_name"),
        ("`*not bold*` then *bold*", "`*not bold*` then **bold**"),
        ("```*a* &lt;b&gt;```", "```\n*a* <b>\n```"),
        (
            "<https://ci.example.com/812|Build *812*>",
            "[Build \\*812\\*](https://ci.example.com/812)",
        ),
        ("see <https://example.com/a_b_c>", "see https://example.com/a_b_c"),
        ("<mailto:ops@example.com|ops>", "[ops](mailto:ops@example.com)"),
        ("<javascript:alert(1)|click>", "click"),
        ("<@U024BE7LH> <@U1|ada> <!here> <!channel>", "@U024BE7LH @ada @here @channel"),
        ("<#C123|deploys> <!subteam^S1|@ops>", "#deploys @ops"),
        ("a &lt;b&gt; &amp;amp; c", "a <b> &amp; c"),
    ],
)
def test_mrkdwn_becomes_the_chats_markdown(slack, ours):
    assert mrkdwn(slack) == ours


def test_text_is_drawn_by_the_chats_formatter_and_stays_text():
    body = payload_text({"text": "*Deploy* <https://x.example/1|v2> &lt;script&gt;"})
    html = render(body, {})
    assert "<strong>Deploy</strong>" in html
    assert 'href="https://x.example/1"' in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_attachments_are_quoted_with_their_parts():
    body = payload_text(
        {
            "text": "Build finished",
            "attachments": [
                {
                    "fallback": "Build 812 failed",
                    "color": "#ff0000",
                    "pretext": "From *CI*",
                    "author_name": "jenkins",
                    "author_link": "https://ci.example.com/",
                    "title": "Build 812",
                    "title_link": "https://ci.example.com/812",
                    "text": "_3 tests_ failed",
                    "fields": [
                        {"title": "Branch", "value": "main", "short": True},
                        {"title": "Took", "value": "4 min", "short": True},
                    ],
                    "image_url": "https://ci.example.com/chart.png",
                    "footer": "CI",
                    "ts": 1796637600,
                }
            ],
        }
    )
    assert body == (
        "Build finished\n\n"
        "From **CI**\n\n"
        "> [jenkins](https://ci.example.com/)\n"
        "> **[Build 812](https://ci.example.com/812)**\n"
        "> *3 tests* failed\n"
        "> **Branch**\n> main\n"
        "> **Took**\n> 4 min\n"
        "> [Picture](https://ci.example.com/chart.png)\n"
        "> CI · 2026-12-07 10:00 UTC"
    )
    html = render(body, {})
    assert "<blockquote>" in html and "<img" not in html


def test_an_attachment_with_only_a_fallback_shows_it():
    body = payload_text({"attachments": [{"fallback": "Deploy *done*"}]})
    assert body == "> Deploy \\*done\\*"


def test_blocks_replace_the_text_which_is_their_notification():
    body = payload_text(
        {
            "text": "only for notifications",
            "blocks": [
                {
                    "type": "header",
                    "text": {"type": "plain_text", "text": "Release 2.4"},
                },
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": "*Ready* for <https://x.example|review>",
                    },
                    "fields": [
                        {"type": "mrkdwn", "text": "*Owner*\nada"},
                        {"type": "plain_text", "text": "2 * 3"},
                    ],
                },
                {"type": "divider"},
                {
                    "type": "context",
                    "elements": [
                        {
                            "type": "image",
                            "image_url": "https://x.example/i.png",
                            "alt_text": "logo",
                        },
                        {"type": "mrkdwn", "text": "by _ci_"},
                    ],
                },
                {
                    "type": "image",
                    "image_url": "https://x.example/big.png",
                    "alt_text": "chart",
                },
                {"type": "actions", "elements": [{"type": "button"}]},
            ],
        }
    )
    assert body == (
        "**Release 2.4**\n\n"
        "**Ready** for [review](https://x.example)\n**Owner**\nada\n2 \\* 3\n\n"
        "———\n\n"
        "[logo](https://x.example/i.png) · by *ci*\n\n"
        "[chart](https://x.example/big.png)"
    )


@pytest.mark.parametrize(
    "payload",
    [{}, {"text": "   "}, {"blocks": [{"type": "actions"}]}, {"attachments": "x"}],
)
def test_a_payload_that_says_nothing_is_empty(payload):
    assert payload_text(payload) == ""
