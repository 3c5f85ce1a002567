from django.contrib import admin

from .forms import AdminSignInForm

# The admin's own sign-in page is one more way to guess a password.
admin.site.login_form = AdminSignInForm
