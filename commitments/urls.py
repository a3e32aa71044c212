from django.urls import path

from organizations.views_settings import moved_to_branch_settings

from . import views, views_posts

app_name = "commitments"
urlpatterns = [
    path("", views.index, name="index"),
    # A member's own commitments.
    path("mine/", views.mine, name="mine"),
    path("mine/new/", views.create, name="create"),
    path("mine/<id:pk>/edit/", views.edit, name="edit"),
    path("mine/<id:pk>/submit/", views.submit, name="submit"),
    path("mine/<id:pk>/delete/", views.delete, name="delete"),
    path("mine/<id:pk>/report/", views.report, name="report"),
    # The branch decides.
    path("c/<id:pk>/approve/", views.approve, name="approve"),
    path("c/<id:pk>/return/", views.return_, name="return"),
    path("c/<id:pk>/assess/", views.assess, name="assess"),
    path("branch/<str:code>/rule/", moved_to_branch_settings, name="rule"),
    path("branch/<str:code>/posts/", views_posts.posts, name="posts"),
    path("branch/<str:code>/posts/sheet/", views_posts.sheet, name="sheet"),
    path("branch/<str:code>/posts/create/", views_posts.posts_create, name="posts_create"),
    path("branch/<str:code>/<int:year>/", views.review, name="review"),
    path("branch/<str:code>/<int:year>/board/", views.board, name="board"),
    # 共产党员岗 cards and the public post page (no sign-in; the key is the QR code).
    path("card/<id:member_pk>/", views_posts.card, name="card"),
    path("card/<id:member_pk>/rekey/", views_posts.rekey, name="rekey"),
    path("card/<id:member_pk>/create/", views_posts.post_create, name="post_create"),
    path("p/<str:token>/", views_posts.public, name="public"),
    path("p/<str:token>/photo/", views_posts.photo, name="photo"),
]
