from django.urls import path

from . import views, views_account, views_people, views_two_factor
from .sso import cas, oidc, pages
from .sso import views as sso

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
    # Sign-in through the unit's identity providers (accounts/sso), each off by default.
    path("sso/wecom/", sso.wecom_start, name="sso_wecom"),
    path("sso/wecom/callback/", sso.wecom_callback, name="sso_wecom_callback"),
    path("sso/dingtalk/", sso.dingtalk_start, name="sso_dingtalk"),
    path("sso/dingtalk/callback/", sso.dingtalk_callback, name="sso_dingtalk_callback"),
    path("sso/oidc/", oidc.OIDCStart.as_view(), name="sso_oidc"),
    path("sso/oidc/callback/", oidc.OIDCCallback.as_view(), name="sso_oidc_callback"),
    path("sso/cas/", cas.CASSignIn.as_view(), name="sso_cas"),
    path("identities/", pages.identity_list, name="identities"),
    path("identities/<id:pk>/unlink/", pages.identity_unlink_view, name="identity_unlink"),
]
