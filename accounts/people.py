"""The people page: a directory of everyone active, for everyone signed
in; and, for administrators only, who may join, who administers,
deactivating, reactivating and banning, and the record of it all.

Every action is a plain form POST that comes back to the page, so it all
works without JavaScript; each is recorded (accounts/audit.py).
"""

import functools

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from . import audit, bans, bots, profile_views, profiles
from .forms import (
    BotForm,
    InvitationForm,
    PeopleFilterForm,
    ReadingForm,
    SignUpModeForm,
    WebhookForm,
)
from .models import Bot, Invitation, SignUpPolicy, new_code

# The latest used invitations stay listed, to see who came in with which.
USED_INVITATIONS_SHOWN = 20


def administrators_only(view):
    @functools.wraps(view)
    @login_required
    def for_administrators(request, *args, **kwargs):
        if not request.user.is_staff:
            return render(request, "people/administrators_only.html", status=403)
        return view(request, *args, **kwargs)

    return for_administrators


@login_required
def people_page(request, new_invitation=None, new_key=None, bot_form=None, status=200):
    """Show the directory; to administrators, their tools below it."""
    form = PeopleFilterForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    context = {"q": q, "directory": directory(q)}
    if not request.user.is_staff:
        return render(request, "people/people.html", context, status=status)
    policy = SignUpPolicy.current()
    context |= {
        "policy": policy,
        "mode_form": SignUpModeForm(initial={"mode": policy.effective_mode}),
        "reading_form": ReadingForm(initial={"reading": policy.effective_reading}),
        "join_url": request.build_absolute_uri(
            reverse("join", args=[policy.join_code])
        ),
        "invitation_form": InvitationForm(),
        "new_invitation": new_invitation,
        "invitations": Invitation.unused().select_related("created_by"),
        "used_invitations": Invitation.objects.exclude(used=None)
        .select_related("created_by", "used_by")
        .order_by("-used")[:USED_INVITATIONS_SHOWN],
        "people": get_user_model()
        .objects.select_related("bot", "claim")
        .order_by("username"),
        "bot_form": bot_form or BotForm(),
        "new_key": new_key,
        "actions": audit.latest(),
    }
    return render(request, "people/people.html", context, status=status)


def directory(q):
    """Return everyone active whose name or username holds q, by username."""
    people = get_user_model().objects.filter(is_active=True)
    if q:
        people = people.filter(
            Q(username__icontains=q) | Q(profile__display_name__icontains=q)
        )
    return people.select_related("profile", "bot").order_by("username")


@require_POST
@administrators_only
def set_sign_up_mode(request):
    return choose(
        request,
        SignUpModeForm,
        "mode",
        gettext_noop("set who may join"),
        _("Who may join"),
    )


@require_POST
@administrators_only
def set_reading(request):
    return choose(
        request,
        ReadingForm,
        "reading",
        gettext_noop("set who may read the open rooms"),
        _("Who may read the open rooms"),
    )


def choose(request, form_class, field, action, heading):
    """Save one of the site's choices from its form; record it (action, kept
    in English and translated when shown) and say so under heading."""
    form = form_class(request.POST)
    if form.is_valid():
        policy = SignUpPolicy.current()
        setattr(policy, field, form.cleaned_data[field])
        policy.save(update_fields=[field])
        label = getattr(policy, f"get_{field}_display")()
        audit.record(request.user, action, detail=label)
        messages.success(
            request,
            _("%(heading)s: %(choice)s.")
            % {"heading": heading, "choice": label.lower()},
        )
    return redirect("people")


@require_POST
@administrators_only
def reset_join_link(request):
    policy = SignUpPolicy.current()
    policy.join_code = new_code()
    policy.save(update_fields=["join_code"])
    audit.record(request.user, gettext_noop("reset the join link"))
    messages.success(request, _("The join link is new; the old one no longer works."))
    return redirect("people")


@administrators_only
def invite(request):
    if request.method != "POST":  # the address bar after making one
        return redirect("people")
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("An invitation's note is at most 100 characters."))
        return redirect("people")
    invitation, code = Invitation.make(request.user, form.cleaned_data["note"])
    audit.record(
        request.user, gettext_noop("made an invitation"), detail=invitation.note
    )
    # Shown on this answer only: the code is not kept.
    url = request.build_absolute_uri(reverse("join", args=[code]))
    return people_page(request, new_invitation=url, status=201)


@require_POST
@administrators_only
def revoke_invitation(request, pk):
    invitation = get_object_or_404(Invitation.unused(), pk=pk)
    invitation.delete()
    audit.record(
        request.user, gettext_noop("revoked an invitation"), detail=invitation.note
    )
    messages.success(request, _("The invitation no longer works."))
    return redirect("people")


@administrators_only
def make_bot(request):
    if request.method != "POST":  # the address bar after making one
        return redirect("people")
    form = BotForm(request.POST, request.FILES)
    if not form.is_valid():
        return people_page(request, bot_form=form, status=400)
    bot, key = bots.create(
        form.cleaned_data["username"], form.cleaned_data["webhook_url"], request.user
    )
    if form.cleaned_data["avatar"] is not None:
        profiles.save(
            bot.user, display_name="", bio="", avatar_png=form.cleaned_data["avatar"]
        )
    return people_page(request, new_key=(bot.user.username, key), status=201)


@administrators_only
def reset_bot_key(request, username):
    if request.method != "POST":
        return redirect("people")
    bot = get_object_or_404(Bot, user__username=username)
    key = bots.reset_key(bot, request.user)
    return people_page(request, new_key=(username, key))


@require_POST
@administrators_only
def set_bot_webhook(request, username):
    bot = get_object_or_404(Bot, user__username=username)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("%(name)s: %(error)s")
            % {"name": username, "error": form.errors["webhook_url"][0]},
        )
        return redirect("people")
    bot.webhook_url = form.cleaned_data["webhook_url"]
    bot.save(update_fields=["webhook_url"])
    audit.record(
        request.user, gettext_noop("set the webhook of"), bot.user, bot.webhook_url
    )
    messages.success(request, _("%(name)s: webhook saved.") % {"name": username})
    return redirect("people")


@require_POST
@administrators_only
def set_administrator(request, username):
    make = request.POST.get("administrator") == "1"
    with transaction.atomic():
        person = get_object_or_404(get_user_model(), username=username, bot=None)
        if not make and is_last_administrator(person):
            messages.error(request, _("The chat needs at least one administrator."))
            return redirect("people")
        person.is_staff = person.is_superuser = make
        person.save(update_fields=["is_staff", "is_superuser"])
    if make:
        action = gettext_noop("made an administrator")
        said = _("%(name)s: made an administrator.")
    else:
        action = gettext_noop("removed as an administrator")
        said = _("%(name)s: removed as an administrator.")
    audit.record(request.user, action, person)
    messages.success(request, said % {"name": person.username})
    return redirect("people")


@require_POST
@administrators_only
def set_active(request, username):
    active = request.POST.get("active") == "1"
    person = get_object_or_404(get_user_model(), username=username)
    if person == request.user:
        messages.error(request, _("You cannot deactivate yourself."))
        return redirect("people")
    with transaction.atomic():
        if not active and is_last_administrator(person):
            messages.error(request, _("The chat needs at least one administrator."))
            return redirect("people")
        # Saving is_active closes every open socket of theirs (rooms/signals.py).
        person.is_active = active
        person.save(update_fields=["is_active"])
    lifted = active and bans.lift(person)
    if active:
        action = gettext_noop("reactivated")
        said = _("%(name)s: reactivated.")
    else:
        action = gettext_noop("deactivated")
        said = _("%(name)s: deactivated.")
    detail = gettext_noop("ban lifted") if lifted else ""
    audit.record(request.user, action, person, detail)
    messages.success(request, said % {"name": person.username})
    return redirect("people")


@administrators_only
def ban(request, username):
    """Ask, then ban: deactivate, delete every message, bar their addresses."""
    person = get_object_or_404(get_user_model(), username=username)
    with transaction.atomic():
        refused = person == request.user or is_last_administrator(person)
        if not refused and request.method == "POST":
            addresses = request.POST.getlist("addresses")
            deleted = bans.ban(person, request.user, addresses)
    if refused:
        messages.error(request, _("You cannot ban yourself or the last administrator."))
        return redirect("people")
    if request.method == "POST":
        said = {"name": person.username, "deleted": deleted, "barred": len(addresses)}
        if addresses:
            text = _(
                "%(name)s: banned, %(deleted)s messages deleted, "
                "%(barred)s addresses barred."
            )
        else:
            text = _("%(name)s: banned, %(deleted)s messages deleted.")
        messages.success(request, text % said)
        return redirect("people")
    context = {
        "person": person,
        "message_count": person.messages.filter(deleted=None).count(),
        "addresses": bans.addresses_of(person),
        "recent_days": bans.RECENT.days,
    }
    return render(request, "people/ban.html", context)


def is_last_administrator(person):
    """Return whether person is the only active administrator. Call inside
    the transaction that demotes, deactivates or bans them: every
    administrator's row stays locked until it ends, so two at once cannot
    each leave the other as the last."""
    administrators = get_user_model().objects.filter(is_staff=True, is_active=True)
    # In one order, so two of these never wait on each other; NO KEY, so
    # rows that only refer to an administrator (their posts) need not wait.
    locked = administrators.select_for_update(no_key=True).order_by("pk")
    return person.is_staff and set(locked.values_list("pk", flat=True)) <= {person.pk}


urlpatterns = [
    path("", people_page, name="people"),
    path("who-may-join/", set_sign_up_mode, name="people_sign_up_mode"),
    path("who-may-read/", set_reading, name="people_reading"),
    path("join-link/reset/", reset_join_link, name="people_reset_join_link"),
    path("invitations/", invite, name="people_invite"),
    path("bots/", make_bot, name="people_make_bot"),
    path("bots/<str:username>/key/", reset_bot_key, name="people_reset_bot_key"),
    path("bots/<str:username>/webhook/", set_bot_webhook, name="people_bot_webhook"),
    path(
        "invitations/<int:pk>/revoke/",
        revoke_invitation,
        name="people_revoke_invitation",
    ),
    path(
        "<str:username>/administrator/",
        set_administrator,
        name="people_set_administrator",
    ),
    path("<str:username>/active/", set_active, name="people_set_active"),
    path("<str:username>/ban/", ban, name="people_ban"),
    # Last: the paths above are not usernames (forms.RESERVED_USERNAMES).
    path("<str:username>/", profile_views.profile, name="profile"),
    path("<str:username>/avatar/", profile_views.avatar, name="avatar"),
]
