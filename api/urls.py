"""/api/v1/: the REST API. Every route is in tests/test_api_access.py's walk."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from .problems import not_found
from .views import committee, declarations, me, mydata, officers

app_name = "api"

# Swagger UI from drf-spectacular-sidecar, served by the app; its page and start-up script
# are separate files (the split view), so the site's CSP holds without 'unsafe-inline'.
# A page for people: signing in as for every page (the schema itself also takes a token).
docs = login_required(
    SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html")
)

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", docs, name="docs"),
    # the member's own
    path("me/card/", me.CardView.as_view(), name="card"),
    path("me/data/", mydata.MyDataView.as_view(), name="my_data"),
    path("me/notifications/", me.NotificationsView.as_view(), name="notifications"),
    path(
        "me/notifications/<id:pk>/read/",
        me.NotificationReadView.as_view(),
        name="notification_read",
    ),
    path("me/commitments/", me.CommitmentsView.as_view(), name="commitments"),
    path("declarations/", declarations.DeclarationListView.as_view(), name="declarations"),
    path("declarations/<id:pk>/", declarations.DeclarationView.as_view(), name="declaration"),
    path(
        "declarations/<id:pk>/evidence/",
        declarations.EvidenceView.as_view(),
        name="declaration_evidence",
    ),
    path(
        "declarations/<id:pk>/submit/", declarations.SubmitView.as_view(), name="declaration_submit"
    ),
    path(
        "declarations/<id:pk>/withdraw/",
        declarations.WithdrawView.as_view(),
        name="declaration_withdraw",
    ),
    # the officers'
    path("review/queue/", officers.QueueView.as_view(), name="queue"),
    path(
        "declarations/<id:pk>/review/start/",
        officers.ReviewStartView.as_view(),
        name="review_start",
    ),
    path("declarations/<id:pk>/decide/", officers.DecideView.as_view(), name="decide"),
    path("declarations/<id:pk>/return/", officers.ReturnView.as_view(), name="return"),
    path("branches/<str:code>/entries/", officers.EntriesView.as_view(), name="entries"),
    path("attendance/<id:pk>/", officers.AttendanceView.as_view(), name="attendance"),
    path("members/<id:member_pk>/dues/", officers.DuesView.as_view(), name="dues"),
    # the committee's and the secretaries'
    path("organizations/", committee.OrganizationsView.as_view(), name="organizations"),
    path("organizations/<str:code>/", committee.OrganizationView.as_view(), name="organization"),
    path("branches/<str:code>/members/", committee.MembersView.as_view(), name="members"),
    path(
        "members/by-job-number/<str:job_number>/",
        committee.MemberByJobNumberView.as_view(),
        name="member_by_job_number",
    ),
    path("branches/<str:code>/summary/", committee.SummaryView.as_view(), name="summary"),
    path("branches/<str:code>/results/", committee.ResultsView.as_view(), name="results"),
    path(
        "branches/<str:code>/publications/",
        committee.PublicationsView.as_view(),
        name="publications",
    ),
    re_path(r"^.*$", not_found, name="not_found"),
]
