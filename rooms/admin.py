from django.contrib import admin

from rooms.messages import changes

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Moderation: a deletion here is the app's own, shown live everywhere."""

    list_display = ["__str__", "room", "author", "created", "edited", "deleted"]
    list_filter = ["room"]
    search_fields = ["body", "author__username"]
    list_select_related = ["room", "author"]

    # Messages change only through rooms.messages.changes, which shows every change
    # in the open rooms; a plain admin save would show nobody.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        changes.delete(obj, request.user)

    def delete_queryset(self, request, queryset):
        changes.delete_all(queryset)
