from django.db import migrations


def create_general(apps, schema_editor):
    Room = apps.get_model("rooms", "Room")
    Room.objects.get_or_create(slug="general", defaults={"name": "general"})


class Migration(migrations.Migration):
    dependencies = [("rooms", "0001_initial")]

    operations = [migrations.RunPython(create_general, migrations.RunPython.noop)]
