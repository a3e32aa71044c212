from django.db import migrations


def create_default_template(apps, schema_editor):
    from rules.services import build_default_template

    Scheme = apps.get_model("rules", "Scheme")
    Item = apps.get_model("rules", "Item")
    if not Scheme.objects.filter(is_template=True, organization__isnull=True).exists():
        build_default_template(Scheme, Item)


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]
    operations = [migrations.RunPython(create_default_template, migrations.RunPython.noop)]
