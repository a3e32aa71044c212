from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("<str:code>/entries/new/", views.entry_new, name="entry_new"),
    path("entries/<id:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("<str:code>/vetoes/new/", views.veto_new, name="veto_new"),
]
