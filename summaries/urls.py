from django.urls import path

from . import views

app_name = "summaries"
urlpatterns = [
    path("branch/<str:code>/<int:year>/", views.branch_table, name="branch_table"),
    path("committee/<int:year>/", views.committee, name="committee"),
    path("card/<int:member_pk>/<int:year>/", views.card, name="card"),
]
