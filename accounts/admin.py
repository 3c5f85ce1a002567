from django.contrib import admin

from .forms import AdminSignInForm
from .views import slowed_down

# The admin's own sign-in page is one more way to guess a password: the same
# limits, and the same wait for an account under attack.
admin.site.login_form = AdminSignInForm
admin.site.login = slowed_down(admin.site.login)
