from django.urls import path

from . import views_audit as views

# The audit log's pages keep the names they had in the audit app: `audit:log`, `audit:verify`.
app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
    path("verify/", views.verify, name="verify"),
]
