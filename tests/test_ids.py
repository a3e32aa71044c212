"""Ids too large for the database are refused like any unknown id, never with a 500
(core.ids): in paths, query strings and forms, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.test import Client
from django.urls import resolve, reverse

from appraisals.models import AppraisalSession
from core.ids import (
    MAX_ID,
    IdChoiceField,
    IdConverter,
    IdMultipleChoiceField,
    parse_id,
    parse_ids,
)
from orglife.models import Meeting, MeetingKind
from tests.declarations_support import submitted
from tests.test_appraisals_views import open_session
from tests.urlwalk import walk

HUGE = "99999999999999999999"  # > 2**63 - 1


@pytest.fixture
def client_of(client_for):
    """A signed-in client that answers a failing view with its 500 instead of raising."""

    def make(user) -> Client:
        client = client_for(user)
        client.raise_request_exception = False
        return client

    return make


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        ("42", 42),
        (" 7 ", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (HUGE, None),
        ("0", None),
        ("-3", None),
        ("", None),
        ("1e3", None),
        ("١٢", None),  # Arabic-Indic digits: str.isdigit() says yes, an id they are not
        (None, None),
        (True, None),
        (2**64, None),
    ],
)
def test_parse_id_takes_only_what_a_bigint_column_holds(value, expected):
    assert parse_id(value) == expected


def test_parse_ids_keeps_the_ids_in_order():
    assert parse_ids(["3", HUGE, "x", "1"]) == [3, 1]


def test_an_id_path_argument_too_large_for_the_database_is_404(bureau, client_of):
    assert resolve("/publicity/12/").kwargs == {"pk": 12}
    client = client_of(bureau.committee_admin)
    for path in (f"/publicity/{HUGE}/", f"/appraisals/s/1/voters/{HUGE}/reissue/"):
        assert client.get(path).status_code == 404
    with pytest.raises(ValueError, match=HUGE):
        IdConverter().to_python(HUGE)


def test_creating_an_appraisal_session_with_a_huge_voter_id_is_a_form_error(bureau, client_of):
    url = reverse("appraisals:session_create", args=["zb1"])
    data = {
        "half_year": "2026-1",
        "held_on": "2026-06-20",
        "mode": "score",
        "value_excellent": "96",
        "value_qualified": "85",
        "value_basic": "70",
        "value_unqualified": "50",
        "evaluees": [bureau.member_a.pk],
        "voter_members": [bureau.member_a.pk, HUGE],
    }
    response = client_of(bureau.secretary_a).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["voter_members"]
    assert not AppraisalSession.objects.exists()


def test_creating_a_meeting_with_a_huge_member_id_is_a_form_error(bureau, client_of):
    url = reverse("orglife:meeting_create", kwargs={"code": "zb1"})
    data = {
        "kind": MeetingKind.THEME_DAY,
        "topic": "主题党日",
        "day": "2026-04-08",
        "time": "09:00",
        "place": "会议室",
        "members": [HUGE],
    }
    response = client_of(bureau.recorder_a).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["members"]
    assert not Meeting.objects.exists()


def test_a_huge_member_in_the_review_queue_query_is_ignored(bureau, client_of):
    submitted(bureau, "河道清理")
    url = reverse("declarations:queue")
    response = client_of(bureau.group_a).get(f"{url}?member={HUGE}&status=all")
    assert response.status_code == 200
    assert response.context["member_id"] is None


def test_a_huge_voter_moved_to_paper_is_404(bureau, client_of):
    session = open_session(bureau)
    url = reverse("appraisals:voters_to_paper", kwargs={"pk": session.pk})
    assert client_of(bureau.secretary_a).post(url, {"voter": HUGE}).status_code == 404


def test_a_huge_single_choice_is_a_form_error(bureau, client_of):
    url = reverse("ledger:entry_new", kwargs={"code": "zb1"}) + "?year=2026"
    response = client_of(bureau.group_a).post(url, {"member": HUGE, "month": 3, "item": HUGE})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["member"]
    assert errors["item"]


def project_forms() -> list[type[forms.Form]]:
    """Every form class defined in the project's apps."""
    found = []
    for path in sorted(Path(settings.BASE_DIR).glob("*/forms.py")):
        module = importlib.import_module(f"{path.parent.name}.forms")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_every_model_choice_field_of_the_project_checks_its_ids():
    """Django's own model choice fields hand any number to the database."""
    plain = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in project_forms()
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField)
        and not isinstance(field, IdChoiceField | IdMultipleChoiceField)
    ]
    assert len(project_forms()) > 20
    assert plain == []


def test_every_id_in_a_path_uses_the_bounded_converter():
    """`<int:pk>` hands any number to the database; ids go through `<id:pk>`."""
    plain = [
        f"{page.name}: {name}"
        for page in walk()
        for name, converter in page.converters.items()
        if (name == "pk" or name.endswith("_pk")) and not isinstance(converter, IdConverter)
    ]
    assert plain == []
