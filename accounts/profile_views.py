"""Profile pages, editing one's own, and avatars."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from . import languages, profiles
from .forms import ProfileForm
from .models import SignUpPolicy

User = get_user_model()
# The URL carries the version, so a picture asked for by version may be
# kept for good; by the browser only, so nobody can fill a shared cache
# with a version that does not exist yet.
FOR_GOOD = "private, max-age=31536000, immutable"


@login_required
def profile(request, username):
    person = get_object_or_404(
        User.objects.select_related("profile", "bot"), username=username
    )
    context = {"person": person, "profile": profiles.profile_of(person)}
    return render(request, "people/profile.html", context)


@login_required
def edit_profile(request):
    current = profiles.profile_of(request.user)
    initial = {
        "display_name": current.display_name if current else "",
        "bio": current.bio if current else "",
        "theme": profiles.theme(request.user),
        "language": languages.chosen(request.user),
    }
    form = ProfileForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        person=request.user,
    )
    if form.is_valid():
        data = form.cleaned_data
        profiles.save(
            request.user,
            display_name=data["display_name"],
            bio=data["bio"],
            avatar_png=data["avatar"],
            remove_avatar=data["remove_avatar"],
            theme=data["theme"] or None,
            language=data["language"] if "language" in request.POST else None,
        )
        return redirect("profile", request.user.username)
    context = {"form": form, "profile": current}
    status = 400 if form.errors else 200
    return render(request, "accounts/profile_edit.html", context, status=status)


@require_GET
def avatar(request, username):
    """A person's picture, or their initials in a colour of their own.

    A name nobody has gets its initials too, cached alike: the answer says
    nothing of who has an account, and the gallery's made-up people get
    theirs. Only for those who may read the chat.
    """
    if not request.user.is_authenticated and not SignUpPolicy.visitors_may_read():
        raise Http404
    person = User.objects.select_related("profile").filter(username=username).first()
    current = profiles.profile_of(person) if person else None
    if current and current.avatar:
        response = stored_picture(current.avatar)
    else:
        name = profiles.display_name(person) if person else username
        context = {
            "initials": profiles.initials(name),
            "colour": profiles.colour_of(username),
        }
        svg = render_to_string("people/avatar.svg", context)
        response = HttpResponse(svg, content_type="image/svg+xml")
    # A redirect to storage has said for how long it holds already.
    response.setdefault("Cache-Control", FOR_GOOD if "v" in request.GET else "no-cache")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def stored_picture(name):
    try:
        default_storage.path(name)
    except NotImplementedError:  # object storage: it serves the bytes
        response = redirect(default_storage.url(name, expire=60))
        # Reused while the signature holds, never for good: as attachments.
        response["Cache-Control"] = "private, max-age=50"
        return response
    return FileResponse(default_storage.open(name, "rb"), content_type="image/png")
