from django.urls import path

from . import views

app_name = "contributions"
urlpatterns = [
    path("", views.index, name="index"),
    path("committee/<int:year>/", views.committee, name="committee"),
    path("department/<id:department_pk>/<int:year>/", views.department, name="department"),
    path("department/<id:department_pk>/<int:year>/new/", views.create, name="create"),
    path("p/<id:pk>/edit/", views.edit, name="edit"),
    path("p/<id:pk>/open/", views.set_open, name="set_open"),
]
