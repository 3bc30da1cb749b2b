from django.db import migrations

# The support desk's role; its permissions come from apps/core/roles.py after migrate.
SUPPORT = "Support"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=SUPPORT)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=SUPPORT).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_role_groups")]
    operations = [migrations.RunPython(create_group, remove_group)]
