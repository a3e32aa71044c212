"""The committee's overdue limit moves to organizations.CommitteeSettings (issue 14):
every OversightPolicy row is copied, with who changed it last and when, then the table
goes."""

from django.db import migrations


def copy_forward(apps, schema_editor):
    OversightPolicy = apps.get_model("oversight", "OversightPolicy")
    CommitteeSettings = apps.get_model("organizations", "CommitteeSettings")
    for old in OversightPolicy.objects.order_by("pk"):
        rows = CommitteeSettings.objects.filter(committee_id=old.committee_id)
        if not rows.exists():
            CommitteeSettings.objects.create(committee_id=old.committee_id)
        # update() leaves the row's updated_at as given, not the migration's time.
        rows.update(
            overdue_days=old.overdue_days,
            updated_by_id=old.updated_by_id,
            updated_at=old.updated_at,
        )


def copy_back(apps, schema_editor):
    OversightPolicy = apps.get_model("oversight", "OversightPolicy")
    CommitteeSettings = apps.get_model("organizations", "CommitteeSettings")
    for row in CommitteeSettings.objects.order_by("pk"):
        OversightPolicy.objects.create(
            committee_id=row.committee_id,
            overdue_days=row.overdue_days,
            updated_by_id=row.updated_by_id,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0001_initial"),
        ("organizations", "0006_branch_and_committee_settings"),
    ]

    operations = [
        migrations.RunPython(copy_forward, copy_back),
        migrations.DeleteModel(name="OversightPolicy"),
    ]
