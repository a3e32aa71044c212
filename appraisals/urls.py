from django.urls import path

from . import printing, views, voting

app_name = "appraisals"
urlpatterns = [
    path("", views.index, name="index"),
    path("branch/<str:code>/new/", views.session_create, name="session_create"),
    path("s/<int:pk>/", views.session_detail, name="session_detail"),
    path("s/<int:pk>/count/", views.session_count, name="session_count"),
    path("s/<int:pk>/codes/issue/", views.codes_issue, name="codes_issue"),
    path("s/<int:pk>/voters/<int:voter_pk>/reissue/", views.code_reissue, name="code_reissue"),
    path("s/<int:pk>/codes/reissue/", views.codes_reissue_unused, name="codes_reissue_unused"),
    path("s/<int:pk>/voters/<int:voter_pk>/void/", views.code_void, name="code_void"),
    path("s/<int:pk>/voters/paper/", views.voters_to_paper, name="voters_to_paper"),
    path("s/<int:pk>/paper/", views.paper_ballot, name="paper_ballot"),
    path("s/<int:pk>/close/", views.session_close, name="session_close"),
    path("s/<int:pk>/annul/", views.session_annul, name="session_annul"),
    path("s/<int:pk>/results/", views.session_results, name="session_results"),
    path("s/<int:pk>/review/", printing.review_sheet, name="review_sheet"),
    path("s/<int:pk>/form3/", printing.form3_print, name="form3_print"),
    path("s/<int:pk>/form3/filled/", printing.form3_filled_print, name="form3_filled_print"),
    path("s/<int:pk>/form3.xlsx", printing.form3_xlsx, name="form3_xlsx"),
    path("s/<int:pk>/form3-filled.xlsx", printing.form3_filled_xlsx, name="form3_filled_xlsx"),
    path("v/", voting.vote_start, name="vote_start"),
    path("v/done/", voting.vote_done, name="vote_done"),
    path("v/<str:code>/", voting.ballot, name="ballot"),
]
