from django.urls import path

from . import views

app_name = "participation"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("mine/apply/", views.apply, name="apply"),
    path("e/<id:pk>/attachment/", views.attachment, name="attachment"),
    path("e/<id:pk>/approve/", views.approve, name="approve"),
    path("e/<id:pk>/refuse/", views.refuse, name="refuse"),
    path("e/<id:pk>/file/", views.file, name="file"),
    path("e/<id:pk>/return/", views.return_, name="return"),
    path("branch/<str:code>/<int:year>/", views.branch, name="branch"),
    path("committee/", views.committee, name="committee"),
    path("committee/retiree/<id:pk>/file/", views.retiree_file, name="retiree_file"),
    path("committee/heads/", views.heads, name="heads"),
    path("committee/heads/appoint/", views.head_appoint, name="head_appoint"),
    path("committee/heads/<id:pk>/remove/", views.head_remove, name="head_remove"),
    path("retirees/", views.retirees, name="retirees"),
    path("retirees/<id:member_pk>/decide/", views.retiree_decide, name="retiree_decide"),
]
