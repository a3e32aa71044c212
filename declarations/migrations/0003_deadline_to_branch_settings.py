"""The branch's declaration deadline moves to organizations.BranchSettings (issue 14):
every DeadlinePolicy row is copied, with who changed it last and when, then the table goes."""

from django.db import migrations


def copy_forward(apps, schema_editor):
    DeadlinePolicy = apps.get_model("declarations", "DeadlinePolicy")
    BranchSettings = apps.get_model("organizations", "BranchSettings")
    for old in DeadlinePolicy.objects.order_by("pk"):
        rows = BranchSettings.objects.filter(branch_id=old.branch_id)
        if not rows.exists():
            BranchSettings.objects.create(branch_id=old.branch_id)
        # update() leaves the row's updated_at as given, not the migration's time.
        rows.update(
            declaration_deadline_day=old.deadline_day,
            updated_by_id=old.updated_by_id,
            updated_at=old.updated_at,
        )


def copy_back(apps, schema_editor):
    DeadlinePolicy = apps.get_model("declarations", "DeadlinePolicy")
    BranchSettings = apps.get_model("organizations", "BranchSettings")
    for row in BranchSettings.objects.order_by("pk"):
        DeadlinePolicy.objects.create(
            branch_id=row.branch_id,
            deadline_day=row.declaration_deadline_day,
            updated_by_id=row.updated_by_id,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0002_declarationline_platform"),
        ("organizations", "0006_branch_and_committee_settings"),
    ]

    operations = [
        migrations.RunPython(copy_forward, copy_back),
        migrations.DeleteModel(name="DeadlinePolicy"),
    ]
