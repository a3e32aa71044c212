from django.urls import path

from . import views, views_cards

app_name = "summaries"
urlpatterns = [
    path("branch/<str:code>/<int:year>/", views.branch_table, name="branch_table"),
    path("committee/<int:year>/", views.committee, name="committee"),
    path("card/<int:member_pk>/<int:year>/", views.card, name="card"),
    path("card/<int:member_pk>/<int:year>/print/", views_cards.card_print, name="card_print"),
    path("card/<int:member_pk>/<int:year>/xlsx/", views_cards.card_xlsx, name="card_xlsx"),
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
]
