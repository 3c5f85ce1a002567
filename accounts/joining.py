"""Who may create an account.

On an empty database, the first person to sign up, who becomes the
administrator. Then anyone, or, when sign-up is by invitation, only people
with the join link (one, resettable) or a single-use invitation.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import audit
from .models import FailedJoin, Invitation, SignUpPolicy, hash_code


class NotAdmitted(Exception):
    """The code stopped working (reset, used) while the form was filled in."""


def no_one_yet():
    """Whether nobody has an account: the first run."""
    return not get_user_model().objects.exists()


def admits(code):
    """Whether this code is the join link's or an unused invitation's."""
    return SignUpPolicy.current().is_join_code(code) or (
        Invitation.unused().filter(code_hash=hash_code(code)).exists()
    )


def too_many_failures(client_address, limit):
    count, seconds = limit
    since = timezone.now() - timedelta(seconds=seconds)
    failures = FailedJoin.objects.filter(
        client_address=client_address, created__gte=since
    )
    return failures[:count].count() >= count


def record_failure(client_address, limit):
    _, seconds = limit
    FailedJoin.objects.filter(
        created__lt=timezone.now() - timedelta(seconds=seconds)
    ).delete()
    FailedJoin.objects.create(client_address=client_address)


def create_account(form, code=None):
    """Save the sign-up form's account if it may join; return it.

    The policy's row is locked meanwhile, so two first visitors cannot both
    become the administrator, and an invitation is used once.
    """
    with transaction.atomic():
        SignUpPolicy.current()
        policy = SignUpPolicy.objects.select_for_update().get(pk=1)
        first = no_one_yet()
        invitation = None
        if not first and code is not None and not policy.is_join_code(code):
            invitation = (
                Invitation.unused()
                .select_for_update()
                .filter(code_hash=hash_code(code))
                .first()
            )
            if invitation is None:
                raise NotAdmitted
        elif not first and code is None and policy.invitation_only:
            raise NotAdmitted
        user = form.save()
        if first:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
            audit.record(user, gettext_noop("set up the chat"), user)
        if invitation is not None:
            invitation.used_by, invitation.used = user, timezone.now()
            invitation.save(update_fields=["used_by", "used"])
    return user
