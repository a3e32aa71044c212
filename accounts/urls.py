from django.urls import path

from . import views, views_account, views_people, views_two_factor

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", views_two_factor.two_factor, name="two_factor"),
    path("two-factor/enrol/", views_two_factor.two_factor_enrol, name="two_factor_enrol"),
    path(
        "two-factor/reset/<id:user_pk>/",
        views_two_factor.two_factor_reset_view,
        name="two_factor_reset",
    ),
    path("members/<id:member_pk>/disable/", views_account.account_disable, name="account_disable"),
    path("members/<id:member_pk>/enable/", views_account.account_enable, name="account_enable"),
    path("members/<id:member_pk>/login/", views_people.login_open, name="login_open"),
    path("members/<id:member_pk>/slip/", views_people.login_slip, name="login_slip"),
    path("members/<id:member_pk>/leave/", views_people.member_leave, name="member_leave"),
    path("activate/", views_people.activate, name="activate"),
    path("activate/<str:code>/", views_people.activate, name="activate_code"),
]
