from django.urls import path

from . import views, views_filing

app_name = "rules"
urlpatterns = [
    path("", views.index, name="index"),
    path("template/", views.template, name="template"),
    path("template/items/new/", views.template_item_create, name="template_item_create"),
    path("template/caps/", views.template_caps, name="template_caps"),
    path("items/<id:pk>/row/", views.item_row, name="item_row"),
    path("items/<id:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<id:pk>/retire/", views.item_retire, name="item_retire"),
    path("items/<id:pk>/restore/", views.item_restore, name="item_restore"),
    path("items/<id:pk>/delete/", views.item_delete, name="item_delete"),
    path("<str:code>/<int:year>/", views.scheme, name="scheme"),
    path("<str:code>/<int:year>/items/new/", views.item_create, name="item_create"),
    path("<str:code>/<int:year>/caps/", views.caps, name="caps"),
    # 备案: paths that no "<code>/<year>/" pattern above can shadow
    path("filing/", views_filing.index, name="filing_index"),
    path("filing/<id:pk>/review/", views_filing.detail, name="filing_detail"),
    path("filing/<id:pk>/file/", views_filing.file, name="filing_file"),
    path("filing/<id:pk>/return/", views_filing.return_, name="filing_return"),
    path("<str:code>/<int:year>/filing/submit/", views_filing.submit, name="filing_submit"),
]
