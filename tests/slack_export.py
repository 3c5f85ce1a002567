"""A small Slack workspace export in Slack's own shapes (as real exports and
Zulip's importer fixtures have them), written as a zip or a folder."""

import copy
import json
import zipfile

T0 = 1765000000  # 2025-12-06 05:46:40 UTC


def ts(seconds, micro=0):
    return f"{T0 + seconds}.{micro:06d}"


USERS = [
    {
        "id": "U01ADA",
        "name": "ada lovelace",  # Slack's names may hold spaces
        "real_name": "Ada Lovelace",
        "deleted": False,
        "is_bot": False,
        "profile": {
            "real_name": "Ada Lovelace",
            "display_name": "Ada",
            "email": "ada@example.com",
        },
    },
    {
        "id": "U02GRACE",
        "name": "grace",
        "deleted": False,
        "profile": {
            "real_name": "Grace Hopper",
            "display_name": "",
            "email": "grace@example.com",
        },
    },
    {
        "id": "U03GONE",
        "name": "linus",
        "deleted": True,
        "profile": {"real_name": "Linus Left", "email": "linus@example.com"},
    },
    {
        "id": "U04BOT",
        "name": "deploybot",
        "is_bot": True,
        "deleted": False,
        "profile": {"real_name": "Deploy Bot", "bot_id": "B04BOT"},
    },
]

CHANNELS = [
    {
        "id": "C01GEN",
        "name": "general",
        "created": T0,
        "creator": "U01ADA",
        "is_archived": False,
        "is_general": True,
        "members": ["U01ADA", "U02GRACE", "U03GONE"],
        "topic": {
            "value": "Company-wide announcements",
            "creator": "U01ADA",
            "last_set": T0,
        },
        "purpose": {"value": "", "creator": "", "last_set": 0},
    },
    {
        "id": "C02OLD",
        "name": "old-project",
        "created": T0,
        "creator": "U02GRACE",
        "is_archived": True,
        "members": ["U01ADA", "U02GRACE"],
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "The 2024 project", "creator": "U02GRACE", "last_set": T0},
    },
]
GROUPS = [
    {
        "id": "G01SECRET",
        "name": "secret-plans",
        "created": T0,
        "creator": "U01ADA",
        "is_archived": False,
        "members": ["U01ADA"],
        "topic": {"value": ""},
        "purpose": {"value": ""},
    }
]
DMS = [{"id": "D01ADAGRACE", "created": T0, "members": ["U01ADA", "U02GRACE"]}]
MPIMS = [
    {
        "id": "G02MPDM",
        "name": "mpdm-ada--grace--linus-1",
        "created": T0,
        "creator": "U01ADA",
        "is_archived": False,
        "members": ["U01ADA", "U02GRACE", "U03GONE"],
    }
]

GENERAL_DAY_1 = [
    {
        "type": "message",
        "subtype": "channel_join",
        "user": "U02GRACE",
        "ts": ts(1),
        "text": "<@U02GRACE> has joined the channel",
    },
    {
        "type": "message",
        "user": "U01ADA",
        "ts": ts(10),
        "text": "*Release* is _today_, ~not~ tomorrow: see <https://example.com/plan|the plan> &amp; <https://example.com/raw>",
        "thread_ts": ts(10),
        "reply_count": 2,
        "reply_users": ["U02GRACE"],
        "replies": [
            {"user": "U02GRACE", "ts": ts(20)},
            {"user": "U02GRACE", "ts": ts(30)},
        ],
        "reactions": [
            {"name": "thumbsup", "users": ["U02GRACE"], "count": 1},
            {"name": "+1::skin-tone-2", "users": ["U03GONE"], "count": 1},
            {"name": "partyparrot", "users": ["U02GRACE"], "count": 1},
        ],
    },
    {
        "type": "message",
        "user": "U02GRACE",
        "ts": ts(20),
        "thread_ts": ts(10),
        "parent_user_id": "U01ADA",
        "text": "On it, <@U01ADA>",
    },
    {
        "type": "message",
        "subtype": "thread_broadcast",
        "user": "U02GRACE",
        "ts": ts(30),
        "thread_ts": ts(10),
        "parent_user_id": "U01ADA",
        "text": "Done: ask in <#C02OLD|old-project> <!here>",
    },
    {
        "type": "message",
        "user": "U01ADA",
        "ts": ts(40),
        "text": "Code: `a *b* &lt;c&gt;` and\n```\n*kept* _as_ is\n```\n&gt; quoted",
        "edited": {"user": "U01ADA", "ts": ts(45)},
    },
]
GENERAL_DAY_2 = [
    {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B09CI",
        "username": "CI",
        "ts": ts(86400),
        "text": "Build 812 passed",
    },
    {
        "type": "message",
        "user": "U03GONE",
        "ts": ts(86410),
        "text": "Report attached",
        "files": [
            {
                "id": "F01REPORT",
                "name": "report.pdf",
                "title": "report.pdf",
                "mimetype": "application/pdf",
                "url_private": "https://files.slack.com/files-pri/T1-F01REPORT/report.pdf",
            }
        ],
    },
    {
        "type": "message",
        "user": "U01ADA",
        "ts": ts(86420),
        "subtype": "me_message",
        "text": "waves",
    },
    {"type": "message", "user": "U99NOBODY", "ts": ts(86430), "text": "who am I?"},
    {
        "type": "message",
        "user": "U01ADA",
        "ts": ts(86440),
        "thread_ts": ts(1),
        "text": "a reply to nothing here",
    },
]


def files():
    """Every file of the export: its path inside it, and its content (a
    copy each time: tests change it)."""
    return copy.deepcopy(
        {
            "users.json": USERS,
            "channels.json": CHANNELS,
            "groups.json": GROUPS,
            "dms.json": DMS,
            "mpims.json": MPIMS,
            "general/2025-12-06.json": GENERAL_DAY_1,
            "general/2025-12-07.json": GENERAL_DAY_2,
            "old-project/2025-12-06.json": [
                {
                    "type": "message",
                    "user": "U02GRACE",
                    "ts": ts(5),
                    "text": "archived but readable",
                }
            ],
            "secret-plans/2025-12-06.json": [
                {
                    "type": "message",
                    "user": "U01ADA",
                    "ts": ts(6),
                    "text": "only for members",
                },
                {
                    "type": "message",
                    "subtype": "group_join",
                    "user": "U02GRACE",
                    "ts": ts(7),
                    "text": "joined",
                },
            ],
            "D01ADAGRACE/2025-12-06.json": [
                {
                    "type": "message",
                    "user": "U02GRACE",
                    "ts": ts(8),
                    "text": "psst, <@U01ADA>",
                }
            ],
            "mpdm-ada--grace--linus-1/2025-12-06.json": [
                {
                    "type": "message",
                    "user": "U01ADA",
                    "ts": ts(9),
                    "text": "the three of us",
                }
            ],
            "secret-plans/2025-12-07.json": "{ this is not JSON",
        }
    )


def write_zip(path, contents=None):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in (contents or files()).items():
            data = content if isinstance(content, str) else json.dumps(content)
            archive.writestr(name, data)
    return path


def write_folder(path, contents=None):
    for name, content in (contents or files()).items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content if isinstance(content, str) else json.dumps(content))
    return path
