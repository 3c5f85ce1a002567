from django import forms
from django.utils.text import slugify

from .models import MESSAGE_MAX_LENGTH, Room


class MessageForm(forms.Form):
    message = forms.CharField(max_length=MESSAGE_MAX_LENGTH)

    def is_blank(self):
        return self.has_error("message", "required")


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
