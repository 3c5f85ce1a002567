from django.contrib.auth import views as auth_views
from django.urls import path

from . import profile_views, views

urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("login/", views.sign_in, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("session/", views.redeem_session, name="session_exchange"),
    path("email/confirm/", views.send_confirmation, name="send_confirmation"),
    path("email/confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("profile/", profile_views.edit_profile, name="edit_profile"),
]
