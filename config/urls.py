from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("org/", include("organizations.urls")),
    path("rules/", include("rules.urls")),
    path("ledger/", include("ledger.urls")),
    path("audit/", include("audit.urls")),
    path("summaries/", include("summaries.urls")),
    path("appraisals/", include("appraisals.urls")),
    path("declarations/", include("declarations.urls")),
    path("orglife/", include("orglife.urls")),
    path("notifications/", include("notifications.urls")),
    path("commitments/", include("commitments.urls")),
    path("participation/", include("participation.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
