"""English and Spanish: a page follows the browser's Accept-Language unless
its person chose under Profile; an email or a push speaks its recipient's
language, whoever's request or sweep sends it."""

import json
import re

import pytest
from django.test import Client

from accounts.models import Profile
from rooms.sweeps import notify, push

from .test_notify_email import carol, emailing_here, inbox, smtp, with_email  # noqa: F401
from .test_push import SERVER_PRIVATE, SERVER_PUBLIC, push_service, pushes  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

HTML_LANG = re.compile(rb'<html lang="(\w+)"')


def page_language(client, path, accept):
    response = client.get(path, headers={"accept-language": accept})
    assert response.status_code == 200
    return HTML_LANG.search(response.content)[1].decode()


def test_a_page_speaks_the_language_the_browser_asks_for(alice):
    # (Someone has an account: else sign-in sends to setting the chat up.)
    spanish = Client().get("/accounts/login/", headers={"accept-language": "es"})
    assert HTML_LANG.search(spanish.content)[1] == b"es"
    assert spanish.headers["Content-Language"] == "es"
    assert "Iniciar sesión" in spanish.text and "Sign in" not in spanish.text
    assert page_language(Client(), "/accounts/login/", "en-GB,en;q=0.9") == "en"
    # A language the chat does not speak: English.
    assert page_language(Client(), "/accounts/login/", "de") == "en"


def test_a_persons_choice_overrides_the_browser_until_they_clear_it(alice):
    client = Client()
    client.force_login(alice.user)
    profile_page = client.get("/accounts/profile/").text
    options = re.search(
        r'<select name="language"[^>]*>(.*?)</select>', profile_page, re.S
    )
    assert re.findall(r'value="([^"]*)"', options[1]) == ["", "en", "es"]
    assert ">Español<" in options[1]

    answer = client.post("/accounts/profile/", {"language": "es"})
    assert answer.status_code == 302
    assert Profile.objects.get(user=alice.user).language == "es"
    for path in ["/", "/accounts/profile/", "/people/"]:
        assert page_language(client, path, "en") == "es"
    assert "Tu perfil" in client.get("/accounts/profile/").text

    client.post("/accounts/profile/", {"language": ""})
    assert page_language(client, "/", "en") == "en"
    assert page_language(client, "/", "es") == "es"
    # A form without the field keeps the choice (the theme's form, say).
    client.post("/accounts/profile/", {"language": "en"})
    client.post("/accounts/profile/", {"theme": "dark"})
    assert page_language(client, "/", "es") == "en"


def test_emails_and_pushes_speak_each_recipients_language(
    emailing_here,  # noqa: F811
    inbox,  # noqa: F811
    pushes,  # noqa: F811
    settings,
    general,
    alice,
    bob,
    carol,  # noqa: F811
):
    settings.VAPID_PUBLIC_KEY = SERVER_PUBLIC
    settings.VAPID_PRIVATE_KEY = SERVER_PRIVATE
    settings.VAPID_SUBJECT = "mailto:ops@example.com"
    settings.PUSH_ALLOW_PRIVATE = True
    # alice chose Spanish; carol never chose, and reads in the site's English.
    # alice first: her Spanish must not carry over to carol's.
    Profile.objects.create(user=alice.user, language="es")
    with_email(alice)
    pushes.subscribe(alice, "/alice")
    pushes.subscribe(carol, "/carol")
    general.post(bob.user, "@alice @carol a question for you both")

    assert notify.send_due_emails() == 2
    assert push.push_new_messages() == 2

    [spanish] = inbox.to("alice@example.com")
    [english] = inbox.to("carol@example.com")
    assert spanish["Subject"] == "1 mensaje que te perdiste en Chat"
    assert english["Subject"] == "1 message you missed in Chat"
    spanish_text = spanish.get_body(("plain",)).get_content()
    spanish_html = spanish.get_body(("html",)).get_content()
    assert "Hola, alice:" in spanish_text and "bob en #general" in spanish_text
    assert '<html lang="es">' in spanish_html and "Abrirlo" in spanish_html
    english_text = english.get_body(("plain",)).get_content()
    assert "Hello carol," in english_text and "bob in #general" in english_text
    assert '<html lang="en">' in english.get_body(("html",)).get_content()

    [(_, _, to_alice, _)] = pushes.to("/alice")
    [(_, _, to_carol, _)] = pushes.to("/carol")
    assert (to_alice["title"], to_alice["body"]) == (
        "bob en #general",
        "bob te ha mencionado",
    )
    assert (to_carol["title"], to_carol["body"]) == (
        "bob in #general",
        "bob mentioned you",
    )


def test_the_manifest_and_the_service_worker_follow_the_visitor():
    spanish = Client().get("/manifest.webmanifest", headers={"accept-language": "es"})
    assert json.loads(spanish.content)["description"] == (
        "Salas y conversaciones, en directo."
    )
    assert "Accept-Language" in spanish.headers["Vary"]
    english = Client().get("/manifest.webmanifest", headers={"accept-language": "en"})
    assert (
        json.loads(english.content)["description"] == "Rooms and conversations, live."
    )
    worker = Client().get("/service-worker.js", headers={"accept-language": "es"})
    assert 'push.title || "Chat"' in worker.text
