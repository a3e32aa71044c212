"""The branch's sign-in window moves to organizations.BranchSettings (issue 14): every
orglife Policy row is copied, then the table goes."""

from django.db import migrations


def copy_forward(apps, schema_editor):
    Policy = apps.get_model("orglife", "Policy")
    BranchSettings = apps.get_model("organizations", "BranchSettings")
    for old in Policy.objects.order_by("pk"):
        rows = BranchSettings.objects.filter(branch_id=old.branch_id)
        if not rows.exists():
            BranchSettings.objects.create(branch_id=old.branch_id)
        rows.update(signin_window=old.signin_window)


def copy_back(apps, schema_editor):
    Policy = apps.get_model("orglife", "Policy")
    BranchSettings = apps.get_model("organizations", "BranchSettings")
    for row in BranchSettings.objects.order_by("pk"):
        Policy.objects.create(branch_id=row.branch_id, signin_window=row.signin_window)


class Migration(migrations.Migration):
    dependencies = [
        ("orglife", "0001_initial"),
        ("organizations", "0006_branch_and_committee_settings"),
    ]

    operations = [
        migrations.RunPython(copy_forward, copy_back),
        migrations.DeleteModel(name="Policy"),
    ]
