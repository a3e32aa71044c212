from django.urls import path, register_converter

from . import views, views_cards, views_forms, views_move, views_summary
from .summary_export import FORMATS


class FormatConverter:
    """`<summary_format:fmt>`: one of the summary table's download formats, else 404."""

    regex = "|".join(FORMATS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "summary_format")

app_name = "summaries"
urlpatterns = [
    path("branch/<str:code>/<int:year>/", views.branch_table, name="branch_table"),
    path("committee/<int:year>/", views.committee, name="committee"),
    path("card/<id:member_pk>/<int:year>/", views.card, name="card"),
    path("members/<id:member_pk>/move/", views_move.member_move_view, name="member_move"),
    path("card/<id:member_pk>/<int:year>/print/", views_cards.card_print, name="card_print"),
    path("card/<id:member_pk>/<int:year>/xlsx/", views_cards.card_xlsx, name="card_xlsx"),
    path(
        "branch/<str:code>/<int:year>/cards/print/",
        views_cards.branch_cards_print,
        name="branch_cards_print",
    ),
    path(
        "branch/<str:code>/<int:year>/cards/xlsx/",
        views_cards.branch_cards_xlsx,
        name="branch_cards_xlsx",
    ),
    path(
        "branch/<str:code>/<int:year>/cards/import/",
        views_cards.cards_import_upload,
        name="cards_import",
    ),
    path(
        "branch/<str:code>/<int:year>/cards/import/confirm/",
        views_cards.cards_import_confirm,
        name="cards_import_confirm",
    ),
    # The summary table (附件4) and closing periods (views_summary.py).
    path("summary/", views_summary.summary_home, name="summary_home"),
    path("committee/<int:year>/summary/", views_summary.committee, name="summary_committee"),
    path("branch/<str:code>/<int:year>/summary/", views_summary.summary, name="summary"),
    path(
        "branch/<str:code>/<int:year>/summary/print/",
        views_summary.summary_print,
        name="summary_print",
    ),
    path(
        "branch/<str:code>/<int:year>/summary/confirm/",
        views_summary.confirm,
        name="summary_confirm",
    ),
    path(
        "branch/<str:code>/<int:year>/summary.<summary_format:fmt>",
        views_summary.summary_download,
        name="summary_download",
    ),
    path("branch/<str:code>/<int:year>/closing/", views_summary.closing, name="closing"),
    path(
        "branch/<str:code>/<int:year>/closing/<half:half>/close/",
        views_summary.close,
        name="period_close",
    ),
    path(
        "branch/<str:code>/<int:year>/closing/<half:half>/reopen/",
        views_summary.reopen,
        name="period_reopen",
    ),
    path(
        "branch/<str:code>/<int:year>/closing/snapshot/<id:pk>/",
        views_summary.closing_snapshot,
        name="closing_snapshot",
    ),
    # A branch's forms of the year in one place (views_forms.py).
    path("forms/", views_forms.forms_home, name="forms_home"),
    path("branch/<str:code>/<int:year>/forms/", views_forms.forms, name="forms"),
    path("branch/<str:code>/<int:year>/forms.zip", views_forms.forms_zip, name="forms_zip"),
]
