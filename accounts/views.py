from django.conf import settings
from django.contrib.auth import get_user, login
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpResponseBadRequest
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import session_exchange


def sign_up(request):
    form = UserCreationForm(request.POST or None)
    next_url = _safe_next(request)
    if form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url or reverse("rooms:room", args=["general"]))
    context = {"form": form, "next": next_url or ""}
    return render(
        request, "registration/signup.html", context, status=400 if form.errors else 200
    )


@require_POST
def redeem_session(request):
    """Swap the browser's cookie for the session a socket sign-in created."""
    session_key = session_exchange.redeem(
        request.POST.get("token", ""),
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
    )
    if session_key is None:
        return HttpResponseBadRequest("This sign-in has expired. Sign in again.")
    request.session = type(request.session)(session_key=session_key)
    request.session.modified = True  # so SessionMiddleware sets the cookie
    rotate_token(request)  # as django.contrib.auth.login() does
    # Now that the cookie is this viewer's, so are the style rules.
    request.user = get_user(request)
    return render(request, "rooms/room.html#viewer-style-update")


def _safe_next(request):
    next_url = request.POST.get("next") or request.GET.get("next")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, request.is_secure()
    ):
        return next_url
    return None
