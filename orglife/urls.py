from django.urls import include, path

from organizations.views_settings import moved_to_branch_settings

from . import views, views_dues

dues_patterns = (
    [
        path("", views_dues.index, name="index"),
        path("<str:code>/<int:year>/", views_dues.grid, name="grid"),
        path("<str:code>/<int:year>/<int:month>/paid/", views_dues.month_paid, name="month_paid"),
        path("<str:code>/<int:year>/paid/", views_dues.chosen_month_paid, name="chosen_month_paid"),
        path(
            "member/<id:member_pk>/<int:year>/<int:month>/",
            views_dues.cell,
            name="cell",
        ),
    ],
    "dues",
)

app_name = "orglife"
urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("mine/", views.my_attendance, name="my_attendance"),
    path("branch/<str:code>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("branch/<str:code>/settings/", moved_to_branch_settings, name="policy"),
    path("meetings/<id:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<id:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<id:pk>/screen/", views.meeting_screen, name="meeting_screen"),
    path("meetings/<id:pk>/screen/count/", views.meeting_counts, name="meeting_counts"),
    path("meetings/<id:pk>/new-code/", views.meeting_new_code, name="meeting_new_code"),
    path("meetings/<id:pk>/mark-rest/", views.meeting_mark_rest, name="meeting_mark_rest"),
    path("meetings/<id:pk>/attendees/add/", views.attendance_add, name="attendance_add"),
    path("attendance/<id:pk>/", views.attendance_set, name="attendance_set"),
    path("sign-in/<str:token>/", views.sign_in, name="sign_in"),
    path("dues/", include(dues_patterns)),
]
