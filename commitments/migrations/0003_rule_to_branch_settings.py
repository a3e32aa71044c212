"""The branch's commitments per member and their deadline move to
organizations.BranchSettings (issue 14): every BranchCommitmentRule row is copied, then
the table goes."""

from django.db import migrations


def copy_forward(apps, schema_editor):
    BranchCommitmentRule = apps.get_model("commitments", "BranchCommitmentRule")
    BranchSettings = apps.get_model("organizations", "BranchSettings")
    for old in BranchCommitmentRule.objects.order_by("pk"):
        rows = BranchSettings.objects.filter(branch_id=old.branch_id)
        if not rows.exists():
            BranchSettings.objects.create(branch_id=old.branch_id)
        rows.update(
            commitments_per_member=old.max_per_member,
            commitment_deadline_month=old.deadline_month,
            commitment_deadline_day=old.deadline_day,
        )


def copy_back(apps, schema_editor):
    BranchCommitmentRule = apps.get_model("commitments", "BranchCommitmentRule")
    BranchSettings = apps.get_model("organizations", "BranchSettings")
    for row in BranchSettings.objects.order_by("pk"):
        BranchCommitmentRule.objects.create(
            branch_id=row.branch_id,
            max_per_member=row.commitments_per_member,
            deadline_month=row.commitment_deadline_month,
            deadline_day=row.commitment_deadline_day,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0002_deadline_and_vanguard_posts"),
        ("organizations", "0006_branch_and_committee_settings"),
    ]

    operations = [
        migrations.RunPython(copy_forward, copy_back),
        migrations.DeleteModel(name="BranchCommitmentRule"),
    ]
