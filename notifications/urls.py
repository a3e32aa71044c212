from django.urls import path

from . import views, views_push

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("<id:pk>/read/", views.mark_read, name="mark_read"),
    path("<id:pk>/open/", views.open_notification, name="open"),
    path("<id:pk>/go/", views_push.go, name="go"),
    path("settings/", views_push.push_settings, name="settings"),
]
