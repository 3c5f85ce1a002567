import asyncio
import math

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import bans, email_address, joining, session_exchange
from .client_address import of_request
from .forms import SignInForm, SignUpForm
from .models import AccountClaim, SignUpPolicy

django_sign_in = auth_views.LoginView.as_view(
    authentication_form=SignInForm, redirect_authenticated_user=True
)


def slowed_down(view):
    """Wrap a sign-in view: an attempt on an account under attack waits first.

    Async so that the wait holds no thread: Django runs sync views on one.
    """

    async def sign_in(request, *args, **kwargs):
        if await sync_to_async(joining.no_one_yet)():
            return redirect("signup")  # the first run: nobody to sign in
        if request.method == "POST":
            username = request.POST.get("username", "")
            seconds = await sync_to_async(SignInForm.slowdown_for)(username)
            await asyncio.sleep(seconds)
        return await sync_to_async(view)(request, *args, **kwargs)

    return sign_in


sign_in = slowed_down(django_sign_in)


def sign_up(request):
    first_run = joining.no_one_yet()
    if not first_run and SignUpPolicy.current().invitation_only:
        return refuse_sign_up(request, "invitation-only", 403)
    return _sign_up(request, first_run=first_run)


def join(request, code):
    """Sign up with the join link or an invitation."""
    if request.user.is_authenticated:
        return redirect("rooms:room", "general")
    address = of_request(request)
    limit = settings.JOIN_ATTEMPT_LIMIT
    if joining.too_many_failures(address, limit):
        return refuse_sign_up(request, "too-many", 429)
    if not joining.admits(code):
        joining.record_failure(address, limit)
        return refuse_sign_up(request, "not-valid", 404)
    return _sign_up(request, code=code)


def claim(request, code):
    """Take over an account made for you by an import: choose its password."""
    address = of_request(request)
    limit = settings.JOIN_ATTEMPT_LIMIT
    if joining.too_many_failures(address, limit):
        return refuse_sign_up(request, "too-many", 429)
    account_claim = AccountClaim.unclaimed(code)
    if account_claim is None:
        joining.record_failure(address, limit)
        return refuse_sign_up(request, "claim-not-valid", 404)
    form = SetPasswordForm(account_claim.user, request.POST or None)
    if form.is_valid():
        with transaction.atomic():
            user = form.save()
            account_claim.claimed = timezone.now()
            account_claim.save(update_fields=["claimed"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("rooms:lobby")
    context = {"form": form, "claimed": account_claim.user}
    return render(
        request, "registration/claim.html", context, status=400 if form.errors else 200
    )


def _sign_up(request, code=None, first_run=False):
    address = of_request(request)
    if bans.is_banned(address):
        return refuse_sign_up(request, "banned", 403)
    form = SignUpForm(request.POST or None)
    next_url = safe_next(request)
    if form.is_valid():
        try:
            user = joining.create_account(form, code)
        except joining.NotAdmitted:
            return refuse_sign_up(request, "not-valid", 404)
        bans.remember_address(user, address)
        email_address.ask_to_confirm(user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url or reverse("rooms:room", args=["general"]))
    context = {
        "form": form,
        "next": next_url or "",
        "code": code,
        "first_run": first_run,
    }
    return render(
        request, "registration/signup.html", context, status=400 if form.errors else 200
    )


def refuse_sign_up(request, reason, status):
    minutes = math.ceil(settings.JOIN_ATTEMPT_LIMIT[1] / 60)
    context = {"reason": reason, "wait_minutes": minutes}
    return render(request, "registration/signup_refused.html", context, status=status)


@login_required
@require_POST
def send_confirmation(request):
    """Send the link that confirms this person's address again."""
    sent = email_address.ask_to_confirm(request.user)
    return redirect(
        reverse("notifications") + ("?link_sent=1" if sent else "?link_failed=1")
    )


def confirm_email(request, token):
    """Where the link in a confirmation email leads, signed in or not."""
    user = email_address.confirm(token)
    context = {"confirmed": user}
    status = 200 if user else 404
    return render(request, "accounts/email_confirmed.html", context, status=status)


@require_POST
def redeem_session(request):
    """Swap the browser's cookie for the session a socket sign-in created."""
    session_key = session_exchange.redeem(
        request.POST.get("token", ""),
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
    )
    if session_key is None:
        return HttpResponseBadRequest(_("This sign-in has expired. Sign in again."))
    request.session = type(request.session)(session_key=session_key)
    request.session.modified = True  # so SessionMiddleware sets the cookie
    rotate_token(request)  # as django.contrib.auth.login() does
    # Now that the cookie is this viewer's, so are the style rules.
    request.user = get_user(request)
    return render(request, "rooms/room.html#viewer-style-update")


def safe_next(request):
    """Return the ?next= or posted next URL if it stays on this site."""
    next_url = request.POST.get("next") or request.GET.get("next")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, request.is_secure()
    ):
        return next_url
    return None
