from django.urls import path

from . import views

app_name = "participation"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("mine/apply/", views.apply, name="apply"),
    path("e/<int:pk>/attachment/", views.attachment, name="attachment"),
    path("e/<int:pk>/approve/", views.approve, name="approve"),
    path("e/<int:pk>/refuse/", views.refuse, name="refuse"),
    path("e/<int:pk>/file/", views.file, name="file"),
    path("e/<int:pk>/return/", views.return_, name="return"),
    path("branch/<str:code>/<int:year>/", views.branch, name="branch"),
    path("committee/", views.committee, name="committee"),
    path("committee/heads/", views.heads, name="heads"),
    path("committee/heads/appoint/", views.head_appoint, name="head_appoint"),
    path("committee/heads/<int:pk>/remove/", views.head_remove, name="head_remove"),
    path("retirees/", views.retirees, name="retirees"),
    path("retirees/<int:member_pk>/decide/", views.retiree_decide, name="retiree_decide"),
]
