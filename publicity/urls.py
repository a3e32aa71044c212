from django.urls import path

from . import views, views_screens

app_name = "publicity"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("window/", views.window_preview, name="window_preview"),
    path("branch/<str:code>/", views.branch, name="branch"),
    path("branch/<str:code>/publish/", views.publish, name="publish"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/notice/", views.notice, name="notice"),
    path("<id:pk>/objections/", views.object_to, name="object"),
    path("objections/<id:pk>/answer/", views.answer, name="answer"),
    path("charts/mine/<int:year>/", views.chart_my_trend, name="chart_my_trend"),
    path("charts/branches/<int:year>/", views.chart_branches, name="chart_branches"),
    path("screens/", views_screens.screens, name="screens"),
    path("screens/<id:pk>/revoke/", views_screens.screen_revoke, name="screen_revoke"),
    # lobby/<token>/ and lobby/<token>/data/: the display, portal/urls_lobby.py (config/urls.py)
]
