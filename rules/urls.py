from django.urls import path

from . import views

app_name = "rules"
urlpatterns = [
    path("", views.index, name="index"),
    path("template/", views.template, name="template"),
    path("template/items/new/", views.template_item_create, name="template_item_create"),
    path("template/caps/", views.template_caps, name="template_caps"),
    path("items/<int:pk>/row/", views.item_row, name="item_row"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/retire/", views.item_retire, name="item_retire"),
    path("items/<int:pk>/restore/", views.item_restore, name="item_restore"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("<str:code>/<int:year>/", views.scheme, name="scheme"),
    path("<str:code>/<int:year>/items/new/", views.item_create, name="item_create"),
    path("<str:code>/<int:year>/caps/", views.caps, name="caps"),
]
