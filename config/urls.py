from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from portal import urls_lobby
from publicity import urls as publicity_urls

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("portal.urls")),
    path("accounts/", include("accounts.urls")),
    path("org/", include("organizations.urls")),
    path("rules/", include("rules.urls")),
    path("ledger/", include("ledger.urls")),
    path("audit/", include("portal.urls_audit")),
    path("summaries/", include("summaries.urls")),
    path("appraisals/", include("appraisals.urls")),
    path("declarations/", include("declarations.urls")),
    path("contributions/", include("contributions.urls")),
    path("orglife/", include("orglife.urls")),
    path("notifications/", include("notifications.urls")),
    path("commitments/", include("commitments.urls")),
    path("participation/", include("participation.urls")),
    path("results/", include("results.urls")),
    # The lobby display (portal: it shows oversight's cases too) keeps its publicity address
    # and names, `publicity:lobby` and `publicity:lobby_data`.
    path(
        "publicity/",
        include((publicity_urls.urlpatterns + urls_lobby.urlpatterns, publicity_urls.app_name)),
    ),
    path("oversight/", include("oversight.urls")),
    path("api/v1/", include("api.urls")),
    path("account/", include("api.page_urls")),
]

# Uploaded files (evidence, photos, attachments) are never served from a public
# media URL: each is streamed by a view that checks who may see it.

if getattr(settings, "LOADTEST_FLOOR", False):  # config/settings/loadtest.py only
    from config.loadtest_views import bare_floor, floor

    urlpatterns.append(path("_loadtest/floor/", floor, name="loadtest_floor"))
    urlpatterns.append(path("_loadtest/bare/", bare_floor, name="loadtest_bare_floor"))
