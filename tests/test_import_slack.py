"""Moving in from Slack: `manage.py import_slack` on an export in Slack's
own shapes, from a zip, a folder and a URL; twice; and a broken one."""

import csv
import http.server
import io
import json
import threading
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Bot, EmailNotifications, PushSubscription
from bench.servers import free_port
from rooms.messages.uploads import prepare
from rooms.models import (
    Delivery,
    Imported,
    Membership,
    Message,
    ReadMark,
    Room,
    SweepCursor,
    ThreadFollow,
)
from rooms.sweeps import deliveries, notify, previews

from . import slack_export
from .slack_export import ts

pytestmark = pytest.mark.django_db


def import_slack(source, tmp_path):
    out = io.StringIO()
    claims = tmp_path / "claims.csv"
    call_command(
        "import_slack",
        str(source),
        claims=str(claims),
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue(), claims


@pytest.fixture
def imported(tmp_path):
    general, _ = Room.objects.get_or_create(
        slug="general", defaults={"name": "general"}
    )
    report, claims = import_slack(
        slack_export.write_zip(tmp_path / "export.zip"), tmp_path
    )
    return report, claims, general


def by_ts(seconds):
    return Message.objects.get(imported_id=ts(seconds))


def test_people_come_with_their_names_and_a_claim_link(imported, client):
    report, claims, _ = imported
    User = get_user_model()
    ada = User.objects.get(username="ada_lovelace")  # "ada lovelace" in Slack
    assert ada.profile.display_name == "Ada" and ada.email == "ada@example.com"
    assert not ada.has_usable_password()
    assert not User.objects.get(username="linus").is_active  # deleted in Slack
    assert hasattr(User.objects.get(username="deploybot"), "bot")
    assert hasattr(User.objects.get(username="CI"), "bot")  # a bot_message's author
    rows = list(csv.DictReader(claims.open()))
    assert [row["username"] for row in rows] == ["ada_lovelace", "grace"]
    link = rows[0]["claim_link"]
    assert "/claim/" in link and "2 people" in report

    path = link[link.index("/claim/") :]
    assert "ada_lovelace" in client.get(path).content.decode()
    chosen = {
        "new_password1": "a-long-new-secret-9",
        "new_password2": "a-long-new-secret-9",
    }
    assert client.post(path, chosen)["Location"] == "/"
    assert Client().login(username="ada_lovelace", password="a-long-new-secret-9")
    assert client.get(path).status_code == 404  # single use

    administrator = User.objects.create_user("admin", is_staff=True)
    client.force_login(administrator)
    people = client.get("/people/").content.decode()
    assert 'data-person="grace"' in people
    grace_row = people.split('data-person="grace"')[1].split("</tr>")[0]
    ada_row = people.split('data-person="ada_lovelace"')[1].split("</tr>")[0]
    assert "not claimed yet" in grace_row and "not claimed yet" not in ada_row


def test_channels_become_rooms_and_history_keeps_its_shape(imported):
    report, _, general = imported
    # "general" added its history to the room that was here.
    assert Room.objects.filter(slug="general").count() == 1
    old = Room.objects.get(slug="old-project")
    assert old.archived is not None and old.topic == "The 2024 project"
    assert old.messages.get().body == "archived but readable"
    secret = Room.objects.get(slug="secret-plans")
    assert secret.kind == Room.Kind.PRIVATE
    # grace joined by a notice, which is membership, not a message.
    members = set(
        Membership.objects.filter(room=secret).values_list("user__username", flat=True)
    )
    assert members == {"ada_lovelace", "grace"}
    assert secret.messages.get().body == "only for members"
    direct = Room.objects.get(kind=Room.Kind.DIRECT)
    assert direct.messages.get().body == "psst, @ada_lovelace"
    group = Room.objects.get(slug="mpdm-ada-grace-linus-1")
    assert (
        group.name == "ada_lovelace, grace, linus" and group.kind == Room.Kind.PRIVATE
    )

    question = by_ts(10)
    assert question.body == (
        "**Release** is *today*, ~~not~~ tomorrow: see "
        "[the plan](https://example.com/plan) & https://example.com/raw"
    )
    assert question.created == datetime.fromtimestamp(slack_export.T0 + 10, UTC)
    assert question.reactors == {
        "👍": sorted(
            get_user_model()
            .objects.filter(username__in=["grace", "linus"])
            .values_list("pk", flat=True)
        )
    }
    reply, broadcast = by_ts(20), by_ts(30)
    assert reply.thread == question and not reply.in_room
    assert reply.body == "On it, @ada_lovelace" and list(reply.mentions.all()) == [
        get_user_model().objects.get(username="ada_lovelace")
    ]
    assert broadcast.thread == question and broadcast.in_room
    assert broadcast.body == "Done: ask in [#old-project](/rooms/old-project/) @here"
    question.refresh_from_db()
    assert question.reply_count == 2 and question.last_reply == broadcast.created
    followers = set(
        ThreadFollow.objects.filter(thread=question).values_list(
            "user__username", "last_read_id"
        )
    )
    assert followers == {("ada_lovelace", broadcast.pk), ("grace", broadcast.pk)}

    code = by_ts(40)
    assert code.body == "Code: `a *b* <c>` and\n\n```\n*kept* _as_ is\n```\n\n> quoted"
    assert code.edited == datetime.fromtimestamp(slack_export.T0 + 45, UTC)
    assert by_ts(86410).body == (
        "Report attached\n[report.pdf](https://files.slack.com/files-pri/T1-F01REPORT/report.pdf)"
    )
    assert by_ts(86420).body == "*waves*"
    assert (
        by_ts(86440).thread is None and by_ts(86440).in_room
    )  # its thread is not here
    # History is read: nobody finds it all unread.
    assert (
        ReadMark.objects.get(user__username="grace", room=general).last_read_id
        == by_ts(86440).pk
    )

    for line in (
        "general/2025-12-06.json[1]: reaction 'partyparrot': no such emoji here",
        "general/2025-12-07.json[3]: unknown user 'U99NOBODY': not imported",
        "secret-plans/2025-12-07.json: not JSON",
        "a reply to a message not in the export: kept in the room",
    ):
        assert line in report


def test_a_second_run_imports_nothing_and_a_folder_reads_the_same(imported, tmp_path):
    # Changed here since: a second run leaves it so.
    secret = Room.objects.get(slug="secret-plans")
    secret.members.remove(get_user_model().objects.get(username="grace"))
    Room.objects.filter(slug="old-project").update(archived=None)
    count = Message.objects.count()
    report, claims = import_slack(tmp_path / "export.zip", tmp_path)
    assert (
        "Imported 0 messages" in report
        and f"{count} messages were already here" in report
    )
    assert not claims.exists() or claims.read_text().count("\n") <= 3  # the first run's
    folder = slack_export.write_folder(tmp_path / "unpacked")
    report, _ = import_slack(folder, tmp_path)
    assert "Imported 0 messages" in report
    assert Message.objects.count() == count
    assert get_user_model().objects.filter(username__startswith="ada").count() == 1
    assert not secret.members.filter(username="grace").exists()
    assert Room.objects.get(slug="old-project").archived is None


def test_lost_claim_links_are_made_anew_and_kept_beside_the_old(
    imported, tmp_path, client
):
    _, claims, _ = imported
    [old_ada, _] = list(csv.DictReader(claims.open()))
    out = io.StringIO()
    call_command(
        "import_slack",
        str(tmp_path / "export.zip"),
        claims=str(claims),
        reissue_claims=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    rows = list(csv.DictReader(claims.open()))  # added to, not written over
    assert [row["username"] for row in rows] == ["ada_lovelace", "grace"] * 2

    def path(row):
        return row["claim_link"][row["claim_link"].index("/claim/") :]

    assert client.get(path(old_ada)).status_code == 404
    assert client.get(path(rows[2])).status_code == 200


def test_another_workspaces_ids_are_other_people(imported, tmp_path):
    contents = slack_export.files()
    for user in contents["users.json"]:
        user["team_id"] = "T0OTHER"
    contents["users.json"][0]["profile"]["email"] = "someone.else@example.com"
    import_slack(slack_export.write_zip(tmp_path / "other.zip", contents), tmp_path)
    assert (
        get_user_model().objects.filter(username__startswith="ada_lovelace").count()
        == 2
    )
    assert Room.objects.filter(slug__startswith="secret-plans").count() == 2


def test_an_export_from_a_url_and_an_existing_account_by_its_email(tmp_path):
    # Only an address its owner confirmed says whose it is.
    ada = get_user_model().objects.create_user("ada", email="ADA@example.com")
    EmailNotifications.objects.create(user=ada, confirmed_email="ada@example.com")
    get_user_model().objects.create_user("not_grace", email="grace@example.com")
    data = slack_export.write_zip(tmp_path / "export.zip").read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        report, _ = import_slack(
            f"http://127.0.0.1:{server.server_port}/export.zip", tmp_path
        )
    finally:
        server.shutdown()
    assert "1 found by their confirmed email" in report, report
    assert by_ts(10).author.username == "ada"
    assert by_ts(20).author.username == "grace"  # not the unconfirmed claimant


def test_a_broken_export_imports_nothing_and_says_why(tmp_path):
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CommandError, match="Nothing imported: .*broken.zip: not a zip"):
        import_slack(broken, tmp_path)
    contents = slack_export.files()
    del contents["users.json"]
    with pytest.raises(CommandError, match="users.json: missing"):
        import_slack(
            slack_export.write_zip(tmp_path / "no-users.zip", contents), tmp_path
        )
    assert not Message.objects.exists()


def snapshot():
    """What the chat holds, by names and texts rather than ids."""
    User = get_user_model()
    names = dict(User.objects.values_list("pk", "username"))
    people = sorted(
        (
            u.username,
            u.email,
            u.is_active,
            u.is_staff,
            hasattr(u, "bot"),
            str(getattr(u, "profile", "")),
        )
        for u in User.objects.select_related("profile", "bot")
    )

    def room_key(room):
        members = tuple(sorted(room.members.values_list("username", flat=True)))
        return (room.kind, room.name, "" if room.is_direct else room.slug, members)

    rooms = sorted(
        (*room_key(r), r.topic, r.archived is not None) for r in Room.objects.all()
    )
    messages = [
        (
            room_key(m.room),
            m.author.username,
            m.body,
            m.created,
            m.edited,
            m.thread.body if m.thread else None,
            m.deleted is not None,
            m.in_room,
            m.reply_count,
            {
                emoji: sorted(names[pk] for pk in who)
                for emoji, who in m.reactors.items()
                if who
            },
            [(a.name, a.file.open("rb").read()) for a in m.attachments.all()],
        )
        for m in Message.objects.select_related("room", "author", "thread")
    ]
    return people, rooms, sorted(messages, key=repr)


def test_exported_and_imported_into_an_empty_chat_nothing_is_lost(
    imported, tmp_path, settings
):
    _, _, general = imported
    grace = get_user_model().objects.get(username="grace")
    grace.is_staff = True
    grace.save()
    notes = prepare(SimpleUploadedFile("notes.txt", b"the notes"))
    native = general.post(grace, "Here **are** the _notes_, @ada_lovelace", [notes])
    native.toggle_reaction("🎉", by=grace)
    general.post(grace, "also here", thread=native, also_in_room=True)
    by_ts(10).edit("**Release** moved", by=by_ts(10).author)
    # Ids need not follow time: a reply stored after a message of a later day.
    day_one, day_two = (
        timezone.now() - timedelta(days=3),
        timezone.now() - timedelta(days=2),
    )
    asked = general.post(grace, "asked on day one")
    later = general.post(grace, "said on day two")
    answer = general.post(grace, "answered on day one", thread=asked)
    Message.objects.filter(pk=asked.pk).update(created=day_one)
    Message.objects.filter(pk=answer.pk).update(created=day_one + timedelta(seconds=1))
    Message.objects.filter(pk=later.pk).update(created=day_two)
    # A deleted message keeps its thread.
    gone = general.post(grace, "soon deleted")
    general.post(grace, "a reply that stays", thread=gone)
    gone.remove(by=grace)
    before = snapshot()

    out = tmp_path / "chat.zip"
    call_command("export_chat", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    Message.objects.all().delete()
    Room.objects.all().delete()
    get_user_model().objects.all().delete()
    Imported.objects.all().delete()

    report, _ = import_slack(out, tmp_path)
    assert "Not imported" not in report, report
    assert snapshot() == before
    # Run again: nothing new, not even a copy of a file's bytes.
    stored = set(Path(settings.MEDIA_ROOT).rglob("*"))
    import_slack(out, tmp_path)
    assert set(Path(settings.MEDIA_ROOT).rglob("*")) == stored


def test_a_person_downloads_their_own_messages_and_files(imported, client):
    grace = get_user_model().objects.get(username="grace")
    notes = prepare(SimpleUploadedFile("notes.txt", b"the notes"))
    Room.objects.get(slug="general").post(grace, "mine, with a file", [notes])
    client.force_login(grace)
    assert 'id="my-messages"' in client.get("/accounts/profile/").content.decode()
    response = client.get("/accounts/profile/messages.zip")
    assert (
        response["Content-Disposition"] == 'attachment; filename="grace-messages.zip"'
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    written = [
        message
        for name in archive.namelist()
        if name.endswith(".json") and "/" in name and not name.startswith("__")
        for message in json.loads(archive.read(name))
    ]
    assert {m["user"] for m in written} == {f"U{grace.pk}"}
    assert "mine, with a file" in {m["chat_markdown"] for m in written}
    assert "psst, @ada_lovelace" in {
        m["chat_markdown"] for m in written
    }  # a DM of hers
    [upload] = [name for name in archive.namelist() if name.startswith("__uploads/")]
    assert archive.read(upload) == b"the notes"
    assert [u["name"] for u in json.loads(archive.read("users.json"))] == ["grace"]
    [direct] = json.loads(archive.read("dms.json"))  # the DM she wrote in
    assert direct["members"] == [f"U{grace.pk}"]  # not who else is in it

    for _ in range(2):
        assert client.get("/accounts/profile/messages.zip").status_code == 200
    refused = client.get("/accounts/profile/messages.zip")
    assert refused.status_code == 429 and b"Try again in an hour" in refused.content


def test_history_brought_in_tells_nobody(tmp_path, settings):
    """No push, email, bot call or link preview for what was said in Slack."""
    settings.NOTIFY_EMAIL_AFTER = timedelta(0)
    SweepCursor.objects.create(name="previews", last_message_id=0)
    contents = slack_export.files()
    # Said a moment ago, so the email sweep's window holds it.
    recent = {
        "type": "message",
        "user": "U01ADA",
        "ts": f"{time.time():.6f}",
        "text": "<@U02GRACE> <@U04BOT> https://example.com",
    }
    contents["general/2025-12-08.json"] = [recent]
    import_slack(slack_export.write_zip(tmp_path / "export.zip", contents), tmp_path)
    grace = get_user_model().objects.get(username="grace")
    PushSubscription.objects.create(
        user=grace, endpoint="https://push.example.com/1", p256dh="k", auth="a"
    )
    Bot.objects.filter(user__username="deploybot").update(
        webhook_url="https://hooks.example.com/"
    )
    assert Message.objects.filter(mentions=grace).exists()
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = "set"
    deliveries.sweep_new_messages()
    assert not Delivery.objects.exists()
    assert previews.claim_next_links() == []
    assert notify.due_by_person(timezone.now() + timedelta(hours=1)) == {}
