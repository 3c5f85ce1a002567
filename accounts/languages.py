"""Which language a person reads: their choice under Profile, else their
browser's (Accept-Language, read by Django's LocaleMiddleware), else English.

A socket speaks its page's language: the page puts it in the socket's URL,
so what the socket draws matches what the page showed.
"""

from urllib.parse import parse_qs

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from .profiles import profile_of

CODES = frozenset(code for code, _name in settings.LANGUAGES)


def chosen(user):
    """The language a signed-in person chose, or "" for their browser's."""
    profile = getattr(user, "is_authenticated", False) and profile_of(user)
    return profile.language if profile else ""


def of_recipient(user):
    """The language of an email or a push to user, who may not be the one
    asking: their choice, else the site's (their browser is not at hand)."""
    return chosen(user) or settings.LANGUAGE_CODE


class PersonsLanguage:
    """After LocaleMiddleware and authentication: a person's own choice
    overrides what their browser asks for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen(request.user)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def of_socket(scope):
    """The language a socket draws in: its URL's `lang`, else the browser's."""
    asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang")
    if asked and asked[0] in CODES:
        return asked[0]
    headers = dict(scope.get("headers", ()))
    accepted = headers.get(b"accept-language", b"").decode("latin-1")
    for code, _quality in parse_accept_lang_header(accepted):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
