"""{{ user|display_name }} and {{ user|avatar_url }}: how a person shows,
without a query (accounts/profiles.py); {{ user|theme }}: the colours they
chose, for the page around everything (its one query: the viewer's profile)."""

from django import template

from .. import profiles
from .links import link

register = template.Library()


@register.filter
def is_bot(user):
    # Not {% if user.bot %}: for everyone else that raises, and a lookup
    # that raises costs a template more than the rest of a message's line.
    return getattr(user, "bot", None) is not None


@register.filter
def display_name(user):
    return profiles.display_name(user)


@register.filter
def avatar_url(user):
    return f"{link(user.username, 'avatar')}?v={profiles.avatar_version(user)}"


@register.filter
def theme(user):
    return profiles.theme(user)


@register.filter
def profile_url(user):
    return link(user.username, "profile")
