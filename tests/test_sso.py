"""Sign-in through 企业微信, 钉钉, OpenID Connect and CAS, each against a fake server on
127.0.0.1: the identity links to the member holding the unit's key, never makes a login,
keeps the two-factor rules, and the committee sees and removes the links."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import ExternalIdentity
from accounts.two_factor import SESSION_KEY
from audit.models import AuditEvent
from tests.factories import PASSWORD, MemberFactory, UserFactory
from tests.fakes.cas import FakeCAS
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.oidc import FakeOIDC
from tests.fakes.wecom import FakeWeCom
from tests.sso_support import (
    DINGTALK_APP,
    WECOM_APP,
    cas_on,
    dingtalk_on,
    follow_provider,
    oidc_on,
    signed_in_as,
    wecom_on,
)

LOGIN = reverse("accounts:login")
HOME = reverse("core:home")


@pytest.fixture
def keyed(bureau):
    """member_a holds job number E1001, the secretary of A E2001."""
    bureau.member_a.job_number = "E1001"
    bureau.member_a.phone = "138 0013 8000"
    bureau.member_a.save()
    MemberFactory(
        branch=bureau.branch_a, name="书记甲", user=bureau.secretary_a, job_number="E2001"
    )
    return bureau


@pytest.fixture
def wecom(settings):
    # In WeCom's address book the userid of each member is the job number, as units set it.
    fake = FakeWeCom({"E1001": {"mobile": "13800138000"}, "E2001": {}, "E9999": {}}).start()
    wecom_on(settings, fake)
    yield fake
    fake.stop()


def test_the_login_page_offers_no_provider_until_one_is_turned_on(db):
    page = Client().get(LOGIN)
    assert b"sso-buttons" not in page.content
    for name in ("sso_wecom", "sso_dingtalk", "sso_oidc", "sso_cas"):
        assert Client().get(reverse(f"accounts:{name}")).status_code == 404


def test_the_login_page_shows_the_button_of_each_provider_turned_on(keyed, wecom, settings):
    oidc = FakeOIDC().start()
    try:
        oidc_on(settings, oidc)
        page = Client().get(LOGIN).content.decode()
    finally:
        oidc.stop()
    assert 'data-provider="wecom"' in page
    assert 'data-provider="oidc"' in page
    assert "统一身份认证" in page
    assert 'data-provider="dingtalk"' not in page
    assert 'data-provider="cas"' not in page


def test_wecom_sign_in_in_a_browser_lands_on_the_member_with_that_job_number(keyed, wecom):
    wecom.sign_in_as("E1001")
    client = Client()
    response = follow_provider(client, reverse("accounts:sso_wecom") + "?next=/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert signed_in_as(client) == keyed.member_a_user
    assert wecom.calls("/wwlogin/sso/login")  # the QR login page, not the in-app one
    link = ExternalIdentity.objects.get(provider="wecom")
    assert (link.user, link.external_id, link.matched_on) == (
        keyed.member_a_user,
        "E1001",
        "job_number",
    )
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "accounts.identity.linked" in actions
    assert "accounts.login" in actions


def test_inside_the_wecom_app_the_login_page_signs_in_silently(keyed, wecom):
    wecom.sign_in_as("E1001")
    client = Client()
    response = follow_provider(client, LOGIN + "?next=/declarations/", **{"User-Agent": WECOM_APP})
    assert response["Location"] == "/declarations/"
    assert signed_in_as(client) == keyed.member_a_user
    authorize = wecom.calls("/connect/oauth2/authorize")
    assert authorize
    assert authorize[0].query["scope"] == "snsapi_base"


def test_a_link_outlives_a_change_of_the_key(keyed, wecom):
    wecom.sign_in_as("E1001")
    follow_provider(Client(), reverse("accounts:sso_wecom"))
    keyed.member_a.job_number = "E1001-old"
    keyed.member_a.save()
    client = Client()
    follow_provider(client, reverse("accounts:sso_wecom"))
    assert signed_in_as(client) == keyed.member_a_user


def test_nobody_matching_is_refused_in_chinese_words_and_audited_without_a_login_made(keyed, wecom):
    users = get_user_model().objects.count()
    wecom.sign_in_as("E9999")
    client = Client()
    response = follow_provider(client, LOGIN, **{"User-Agent": WECOM_APP})
    # Back on the password form (no loop through WeCom again), with the reason.
    assert response.status_code == 200
    assert b"no party member here matches" in response.content
    assert not signed_in_as(client).is_authenticated
    assert get_user_model().objects.count() == users
    assert not ExternalIdentity.objects.exists()
    failed = AuditEvent.objects.get(action="accounts.login_failed")
    assert failed.after["reason"] == "no_member"
    assert failed.after["key_value"] == "E9999"


def test_a_member_without_a_login_gets_none_made(keyed, wecom):
    MemberFactory(branch=keyed.branch_a, name="无账号", job_number="E3001")
    wecom.users["E3001"] = {}
    wecom.sign_in_as("E3001")
    users = get_user_model().objects.count()
    response = follow_provider(Client(), reverse("accounts:sso_wecom"))
    assert b"You have no login in this system yet" in response.content
    assert get_user_model().objects.count() == users


def test_two_members_sharing_the_key_are_not_guessed_between(keyed, wecom):
    twin = UserFactory(username="tonghao")
    MemberFactory(branch=keyed.branch_b, name="同号", user=twin, job_number="E1001")
    wecom.sign_in_as("E1001")
    client = Client()
    response = follow_provider(client, reverse("accounts:sso_wecom"))
    assert b"several members here share" in response.content
    assert not signed_in_as(client).is_authenticated


def test_a_disabled_login_cannot_sign_in_through_wecom(keyed, wecom):
    keyed.member_a_user.is_active = False
    keyed.member_a_user.save()
    wecom.sign_in_as("E1001")
    client = Client()
    follow_provider(client, reverse("accounts:sso_wecom"))
    assert not signed_in_as(client).is_authenticated


def test_a_forged_state_signs_nobody_in(keyed, wecom):
    client = Client()
    client.get(reverse("accounts:sso_wecom"))
    wecom.sign_in_as("E1001")
    response = client.get(reverse("accounts:sso_wecom_callback") + "?code=x&state=forged")
    assert response["Location"].startswith(LOGIN)
    assert not signed_in_as(client).is_authenticated


def test_the_unit_may_link_by_phone_read_from_wecom(keyed, wecom, settings):
    settings.JIFEN_SSO_LINK_FIELD = "phone"
    settings.JIFEN_WECOM_MATCH_CLAIM = "mobile"
    wecom.sign_in_as("E1001")  # WeCom's record says 13800138000; ours "138 0013 8000"
    client = Client()
    follow_provider(client, reverse("accounts:sso_wecom"))
    assert signed_in_as(client) == keyed.member_a_user
    assert ExternalIdentity.objects.get().matched_on == "phone"


def test_wecom_gives_one_factor_so_a_secretary_still_shows_a_code(keyed, wecom, settings):
    settings.JIFEN_2FA_REQUIRED = True
    wecom.sign_in_as("E2001")
    client = Client()
    follow_provider(client, reverse("accounts:sso_wecom"))
    assert client.session[SESSION_KEY] is True
    assert client.get(HOME)["Location"].startswith(reverse("accounts:two_factor"))


def test_dingtalk_sign_in_inside_the_app_lands_on_the_member_by_job_number(keyed, settings):
    fake = FakeDingTalk(
        {"ding-u1": {"unionid": "union-1", "job_number": "E1001", "mobile": "13800138000"}}
    ).start()
    try:
        dingtalk_on(settings, fake)
        fake.sign_in_as("ding-u1")
        client = Client()
        response = follow_provider(
            client, LOGIN + "?next=/notifications/", **{"User-Agent": DINGTALK_APP}
        )
        authorize = fake.calls("/oauth2/auth")
    finally:
        fake.stop()
    assert response["Location"] == "/notifications/"
    assert signed_in_as(client) == keyed.member_a_user
    assert authorize[0].query["scope"] == "openid corpid"
    assert ExternalIdentity.objects.get(provider="dingtalk").external_id == "ding-u1"


def test_dingtalk_outside_the_organisation_is_refused(keyed, settings):
    fake = FakeDingTalk({}).start()
    try:
        dingtalk_on(settings, fake)
        fake.sign_in_as("stranger")
        client = Client()
        response = follow_provider(client, reverse("accounts:sso_dingtalk"))
    finally:
        fake.stop()
    assert b"did not succeed" in response.content
    assert not signed_in_as(client).is_authenticated


@pytest.fixture
def oidc(settings):
    fake = FakeOIDC(
        {
            "sub-member": {"employee_number": "E1001"},
            "sub-secretary": {"employee_number": "E2001"},
            "sub-secretary-mfa": {"employee_number": "E2001", "amr": ["pwd", "otp"]},
        }
    ).start()
    oidc_on(settings, fake)
    yield fake
    fake.stop()


def test_oidc_sign_in_lands_on_the_member_by_the_employee_number_claim(keyed, oidc):
    oidc.sign_in_as("sub-member")
    client = Client()
    response = follow_provider(client, reverse("accounts:sso_oidc") + "?next=/notifications/")
    assert response["Location"] == "/notifications/"
    assert signed_in_as(client) == keyed.member_a_user
    assert ExternalIdentity.objects.get(provider="oidc").external_id == "sub-member"
    assert oidc.calls("/jwks")
    assert oidc.calls("/token")


def test_oidc_with_a_second_factor_at_the_provider_counts_as_two_factor(keyed, oidc, settings):
    settings.JIFEN_2FA_REQUIRED = True
    oidc.sign_in_as("sub-secretary-mfa")
    client = Client()
    follow_provider(client, reverse("accounts:sso_oidc"))
    assert signed_in_as(client) == keyed.secretary_a
    assert client.session[SESSION_KEY] is False
    assert client.get(HOME).status_code == 200


def test_oidc_without_a_second_factor_leaves_ours_to_ask(keyed, oidc, settings):
    settings.JIFEN_2FA_REQUIRED = True
    oidc.sign_in_as("sub-secretary")
    client = Client()
    follow_provider(client, reverse("accounts:sso_oidc"))
    assert signed_in_as(client) == keyed.secretary_a
    assert client.get(HOME).status_code == 302


def test_oidc_unknown_person_is_told_why(keyed, oidc):
    oidc.users["sub-x"] = {"employee_number": "nobody"}
    oidc.sign_in_as("sub-x")
    client = Client()
    response = follow_provider(client, reverse("accounts:sso_oidc"))
    assert b"no party member here matches" in response.content
    assert not signed_in_as(client).is_authenticated
    # Failed provider sign-ins do not lock anyone out of the password form (django-axes
    # counts failures by user name, and a provider's sign-in has none).
    for _attempt in range(6):
        oidc.sign_in_as("sub-x")
        follow_provider(Client(), reverse("accounts:sso_oidc"))
    answer = client.post(LOGIN, {"username": "member_a", "password": PASSWORD})
    assert answer.status_code == 302
    assert signed_in_as(client) == keyed.member_a_user


def test_cas_sign_in_lands_on_the_member_by_an_attribute(keyed, settings):
    fake = FakeCAS({"zhanghm": {"employeeNumber": "E1001"}}).start()
    try:
        cas_on(settings, fake)
        fake.sign_in_as("zhanghm")
        client = Client()
        response = follow_provider(client, reverse("accounts:sso_cas") + "?next=/notifications/")
    finally:
        fake.stop()
    assert response["Location"] == "/notifications/"
    assert signed_in_as(client) == keyed.member_a_user
    assert ExternalIdentity.objects.get(provider="cas").external_id == "zhanghm"


def test_cas_unknown_person_is_told_why(keyed, settings):
    fake = FakeCAS({"x": {"employeeNumber": "none"}}).start()
    try:
        cas_on(settings, fake)
        fake.sign_in_as("x")
        response = follow_provider(Client(), reverse("accounts:sso_cas"))
    finally:
        fake.stop()
    assert b"no party member here matches" in response.content


# --- the committee's page ---------------------------------------------------------------


def test_the_committee_sees_the_links_and_removes_one_audited(keyed, wecom, client_for):
    wecom.sign_in_as("E1001")
    follow_provider(Client(), reverse("accounts:sso_wecom"))
    committee = client_for(keyed.committee_admin)
    page = committee.get(reverse("accounts:identities"))
    assert "张红梅" in page.content.decode()
    assert "E1001" in page.content.decode()
    link = ExternalIdentity.objects.get()
    url = reverse("accounts:identity_unlink", kwargs={"pk": link.pk})
    asked = committee.post(url)
    assert asked.status_code == 200
    assert not asked.has_header("Location")
    assert ExternalIdentity.objects.exists()
    committee.post(url, {"confirmed": "1"})
    assert not ExternalIdentity.objects.exists()
    event = AuditEvent.objects.get(action="accounts.identity.unlinked")
    assert event.before["external_id"] == "E1001"
    assert event.actor == keyed.committee_admin


@pytest.mark.parametrize("who", ["secretary_a", "member_a_user", "secretary_b"])
def test_nobody_but_the_committee_sees_or_removes_links(keyed, wecom, client_for, who):
    wecom.sign_in_as("E1001")
    follow_provider(Client(), reverse("accounts:sso_wecom"))
    link = ExternalIdentity.objects.get()
    client = client_for(getattr(keyed, who))
    assert client.get(reverse("accounts:identities")).status_code == 404
    url = reverse("accounts:identity_unlink", kwargs={"pk": link.pk})
    assert client.post(url, {"confirmed": "1"}).status_code == 404
    assert ExternalIdentity.objects.exists()


def test_a_provider_turned_on_without_its_settings_fails_the_system_check(settings):
    from accounts.sso.checks import check_sso_settings

    assert check_sso_settings() == []
    settings.JIFEN_OIDC_SIGNIN = True
    settings.OIDC_RP_CLIENT_ID = "x"
    [error] = check_sso_settings()
    assert "JIFEN_OIDC_TOKEN_ENDPOINT" in error.msg
    assert "JIFEN_OIDC_CLIENT_ID" not in error.msg


def test_ldap_turned_on_without_python_ldap_stops_at_start(settings, monkeypatch):
    from accounts.sso import checks

    settings.JIFEN_LDAP_SIGNIN = True
    settings.AUTH_LDAP_SERVER_URI = "ldap://127.0.0.1:1"
    settings.JIFEN_LDAP_USER_BASE = "dc=bureau,dc=gov"
    monkeypatch.setattr(checks, "ldap_installed", lambda: True)
    assert checks.check_sso_settings() == []
    monkeypatch.setattr(checks, "ldap_installed", lambda: False)
    [error] = checks.check_sso_settings()
    assert error.id == "jifen.E202"
    assert "libldap2-dev" in error.msg


def test_the_ldap_backend_is_listed_only_where_python_ldap_is_installed(monkeypatch):
    from config.settings import integrations

    monkeypatch.setattr(integrations, "ldap_installed", lambda: False)
    assert "accounts.sso.ldap.LinkedLDAPBackend" not in integrations.sso_backends()
    monkeypatch.setattr(integrations, "ldap_installed", lambda: True)
    assert "accounts.sso.ldap.LinkedLDAPBackend" in integrations.sso_backends()
