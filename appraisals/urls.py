from django.urls import path

from . import printing, views, voting

app_name = "appraisals"
urlpatterns = [
    path("", views.index, name="index"),
    path("branch/<str:code>/new/", views.session_create, name="session_create"),
    path("s/<id:pk>/", views.session_detail, name="session_detail"),
    path("s/<id:pk>/count/", views.session_count, name="session_count"),
    path("s/<id:pk>/codes/issue/", views.codes_issue, name="codes_issue"),
    path("s/<id:pk>/voters/<id:voter_pk>/reissue/", views.code_reissue, name="code_reissue"),
    path("s/<id:pk>/codes/reissue/", views.codes_reissue_unused, name="codes_reissue_unused"),
    path("s/<id:pk>/voters/<id:voter_pk>/void/", views.code_void, name="code_void"),
    path("s/<id:pk>/voters/paper/", views.voters_to_paper, name="voters_to_paper"),
    path("s/<id:pk>/paper/", views.paper_ballot, name="paper_ballot"),
    path("s/<id:pk>/paper/unspoil/", views.paper_ballot_unspoil, name="paper_ballot_unspoil"),
    path("s/<id:pk>/close/", views.session_close, name="session_close"),
    path("s/<id:pk>/extend/", views.session_extend, name="session_extend"),
    path("s/<id:pk>/annul/", views.session_annul, name="session_annul"),
    path("s/<id:pk>/results/", views.session_results, name="session_results"),
    path("s/<id:pk>/review/", printing.review_sheet, name="review_sheet"),
    path("s/<id:pk>/form3/", printing.form3_print, name="form3_print"),
    path("s/<id:pk>/form3/filled/", printing.form3_filled_print, name="form3_filled_print"),
    path("s/<id:pk>/form3.xlsx", printing.form3_xlsx, name="form3_xlsx"),
    path("s/<id:pk>/form3-filled.xlsx", printing.form3_filled_xlsx, name="form3_filled_xlsx"),
    path("v/", voting.vote_start, name="vote_start"),
    path("v/done/", voting.vote_done, name="vote_done"),
    path("v/<str:code>/", voting.ballot, name="ballot"),
]
