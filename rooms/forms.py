from django import forms
from django.utils.text import slugify

from .models import MESSAGE_MAX_LENGTH, Room

MAX_ID = 2**63 - 1  # the largest id a database's bigint holds


class MessageForm(forms.Form):
    message = forms.CharField(max_length=MESSAGE_MAX_LENGTH)

    def is_blank(self):
        return self.has_error("message", "required")


class HistoryForm(forms.Form):
    """Where a room page opens: at the latest, or next to a message id."""

    before = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    after = forms.IntegerField(min_value=0, max_value=MAX_ID, required=False)
    around = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        slug = slugify(name)
        if not slug:
            raise forms.ValidationError("Use at least one letter or digit in the name.")
        if Room.objects.filter(slug=slug).exists():
            raise forms.ValidationError("A room with this name already exists.")
        self.instance.slug = slug
        return name
