"""The shapes the API accepts. Only the shape: every rule of the plan is checked by the
service the view calls (pretix's way), so that the API and the pages cannot disagree."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class MonthIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)


class VersionIn(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=0, help_text=_("The version the change was based on (from the last read).")
    )


class LineIn(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    description = serializers.CharField(max_length=2000, allow_blank=True)
    suggested_item = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    platform = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class DeclarationIn(VersionIn):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    birth_month = serializers.CharField(max_length=200, required=False, allow_blank=True)
    unit_and_position = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lines = LineIn(many=True, required=False)
    remove_evidence = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=50
    )


class EvidenceIn(VersionIn):
    file = serializers.FileField()
    line = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class DecisionLineIn(serializers.Serializer):
    line = serializers.IntegerField(min_value=1)
    action = serializers.ChoiceField(choices=["recognise", "partly", "reject"])
    item = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    points = serializers.CharField(required=False, allow_blank=True, max_length=12)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    confirm_reduced = serializers.BooleanField(required=False, default=False)


class DecisionIn(VersionIn):
    lines = DecisionLineIn(many=True, min_length=1, max_length=30)


class ReturnIn(VersionIn):
    reason = serializers.CharField(max_length=500)


class EntryIn(serializers.Serializer):
    member = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)
    item = serializers.IntegerField(min_value=1)
    points = serializers.CharField(max_length=12)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    evidence = serializers.CharField(max_length=500, required=False, allow_blank=True)


class AttendanceIn(serializers.Serializer):
    status = serializers.CharField(max_length=20)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DuesIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)
    status = serializers.CharField(max_length=20)
    amount = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


def as_dict(data: object) -> dict:
    """The request's body as an object (a JSON array or a bare value is bad input)."""
    if hasattr(data, "dict"):  # a QueryDict: a form or multipart body
        return data.dict()  # type: ignore[attr-defined]
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    return data


class OrganizationIn(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=100)
    kind = serializers.CharField(max_length=20)
    parent = serializers.CharField(max_length=32)


class MemberIn(serializers.Serializer):
    job_number = serializers.CharField(max_length=32)
    branch = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=50)
    gender = serializers.CharField(max_length=10, required=False, allow_blank=True)
    position = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    department = serializers.CharField(max_length=100, required=False, allow_blank=True)
    joined_on = serializers.DateField(required=False, allow_null=True)
