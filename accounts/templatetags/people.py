"""{{ user|display_name }} and {{ user|avatar_url }}: how a person shows,
without a query (accounts/profiles.py)."""

import functools
import urllib.parse

from django import template
from django.urls import reverse

from .. import profiles

register = template.Library()


@register.filter
def display_name(user):
    return profiles.display_name(user)


@functools.cache
def _people_prefix():
    return reverse("profile", args=["x"]).removesuffix("x/")


@register.filter
def avatar_url(user):
    # Built by hand: drawn with every message, where reverse() costs.
    username = urllib.parse.quote(user.username)
    return f"{_people_prefix()}{username}/avatar/?v={profiles.avatar_version(user)}"


@register.filter
def profile_url(user):
    return f"{_people_prefix()}{urllib.parse.quote(user.username)}/"
