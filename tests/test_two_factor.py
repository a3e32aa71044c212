"""Two-factor sign-in (TOTP): who is asked, setting up an authenticator, codes, resets."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import TWO_FACTOR_OPEN_VIEWS
from accounts.two_factor import PENDING_SESSION_KEY
from audit.models import AuditEvent
from organizations.models import Role
from tests.factories import PASSWORD, UserFactory, grant
from tests.test_access import PUBLIC_VIEWS
from tests.urlwalk import simple_kwargs, walk

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:two_factor")
ENROL = reverse("accounts:two_factor_enrol")

on = override_settings(JIFEN_2FA_REQUIRED=True, JIFEN_2FA_ROLES=["committee_admin", "secretary"])


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def pending(client: Client) -> TOTPDevice:
    """The authenticator the set-up page shows: its key is in the session, not stored."""
    return TOTPDevice(key=client.session[PENDING_SESSION_KEY])


def wrong_code_for(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 500000) % 1000000:06d}"


def sign_in(user, **extra) -> Client:
    """A client past the password (not yet past the second factor)."""
    client = Client()
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD, **extra})
    assert response.status_code == 302, response.content
    return client


def with_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def verified(user) -> Client:
    """A client past both factors."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or with_device(user)
    client = sign_in(user)
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302, response.content
    return client


def to_verify(next_url: str) -> str:
    return f"{VERIFY}?{urlencode({'next': next_url})}"


def failures(user) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="accounts.login_failed", actor=user).order_by("pk")
    )


# --- who is asked --------------------------------------------------------------------


@on
@pytest.mark.parametrize("who", ["secretary_a", "secretary_b", "committee_admin"])
def test_secretaries_and_the_committee_are_asked_after_the_password(bureau, who):
    client = sign_in(getattr(bureau, who))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == to_verify("/")


@on
def test_the_sign_in_redirect_keeps_the_page_asked_for(bureau):
    client = Client()
    wanted = reverse("organizations:member_list")
    response = client.post(
        LOGIN, {"username": "secretary_a", "password": PASSWORD, "next": wanted}, follow=True
    )
    first, *_ = response.redirect_chain
    assert first[0] == wanted
    assert response.redirect_chain[1][0] == to_verify(wanted)
    assert response.redirect_chain[-1][0] == f"{ENROL}?{urlencode({'next': wanted})}"
    assert response.status_code == 200


@on
@pytest.mark.parametrize("who", ["member_a_user", "group_a", "recorder_a"])
def test_other_roles_are_not_asked(bureau, who):
    client = sign_in(getattr(bureau, who))
    assert client.get("/").status_code == 200
    assert client.get(VERIFY).status_code == 302  # nothing to verify: straight on


def test_with_the_setting_off_nobody_is_asked(bureau):
    for user in (bureau.secretary_a, bureau.committee_admin):
        assert sign_in(user).get("/").status_code == 200


@override_settings(JIFEN_2FA_REQUIRED=True, JIFEN_2FA_ROLES=["recorder"])
def test_the_deployment_names_the_roles_that_must(bureau):
    assert sign_in(bureau.recorder_a).get("/").status_code == 302
    assert sign_in(bureau.secretary_a).get("/").status_code == 200


@on
def test_every_role_held_in_the_committee_itself_counts_as_the_committees(bureau):
    user = UserFactory(username="committee_recorder")
    grant(user, bureau.committee, Role.RECORDER)
    assert sign_in(user).get("/").status_code == 302


@pytest.mark.parametrize("setting", [True, False])
def test_a_member_who_set_it_up_is_asked_whatever_the_setting(bureau, setting):
    device = with_device(bureau.member_a_user)
    with override_settings(JIFEN_2FA_REQUIRED=setting):
        client = sign_in(bureau.member_a_user)
        assert client.get("/").url == to_verify("/")
        assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
        assert client.get("/").status_code == 200


# --- no page before the second factor ------------------------------------------------


@on
@pytest.mark.parametrize("who", ["secretary_a", "committee_admin"])
def test_no_page_of_the_site_opens_before_the_second_factor(bureau, who):
    client = sign_in(getattr(bureau, who))
    wrong = []
    for page in walk():
        kwargs = simple_kwargs(page, code="zb1", pk=bureau.member_a.pk, year=2026)
        url = reverse(page.name, kwargs=kwargs)
        response = client.get(url)
        if page.name in TWO_FACTOR_OPEN_VIEWS:
            if response.status_code == 302 and response.url.startswith(f"{VERIFY}?"):
                wrong.append(f"{url}: open page sent to the second factor")
        elif page.name != "accounts:two_factor" and not (
            response.status_code == 302 and response.url == to_verify(url)
        ):
            wrong.append(f"{url} ({page.name}): {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert client.post(reverse("ledger:entry_new", kwargs={"code": "zb1"}), {}).url == VERIFY


def test_the_open_pages_are_exactly_those_anyone_may_open(bureau):
    """Every page an anonymous visitor is not sent to sign in from is open before the
    second factor too (a printed code, a public page); no other page is."""
    anonymous = Client()
    login_prefix = f"{LOGIN}?"
    public = set()
    for page in walk():
        try:
            url = reverse(
                page.name, kwargs=simple_kwargs(page, code="zb1", pk=bureau.member_a.pk, year=2026)
            )
        except NoReverseMatch:
            continue
        response = anonymous.get(url)
        if response.status_code == 405:
            response = anonymous.post(url, {})
        if response.status_code == 401 or page.name == "api:not_found":
            continue  # the REST API asks for a token or a session (any other path: 404)
        if not (response.status_code == 302 and response.url.startswith((login_prefix, LOGIN))):
            public.add(page.name)
    # Signing in again (with the password or through a provider) waits for the code.
    public = {name for name in public if name != "accounts:login" and ":sso_" not in name}
    assert public == TWO_FACTOR_OPEN_VIEWS - {
        "accounts:logout",
        "accounts:two_factor",
        "accounts:two_factor_enrol",
    }
    assert set(PUBLIC_VIEWS) - {"orglife:sign_in"} <= TWO_FACTOR_OPEN_VIEWS


@on
def test_htmx_requests_are_sent_to_the_second_factor_as_a_full_page(bureau):
    client = sign_in(bureau.secretary_a)
    response = client.get("/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == to_verify("/")


@on
def test_sign_out_stays_reachable(bureau):
    client = sign_in(bureau.secretary_a)
    assert client.post(reverse("accounts:logout")).url == LOGIN
    assert client.get("/").url.startswith(LOGIN)


@on
def test_a_newcomer_shows_the_second_factor_then_changes_the_password(bureau):
    user = bureau.secretary_a
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    client = sign_in(user)
    assert client.get("/").url == to_verify("/")
    assert client.get(VERIFY).url.startswith(ENROL)
    assert client.get(ENROL).status_code == 200
    assert client.post(ENROL, {"code": code_for(pending(client))}).status_code == 302
    assert client.get("/").url == reverse("accounts:password_change")


# --- setting up an authenticator ------------------------------------------------------


@on
def test_a_secretary_sets_up_an_authenticator_with_its_first_code(bureau):
    user = bureau.secretary_a
    client = sign_in(user)
    page = client.get(f"{ENROL}?next=/org/members/")
    assert page.status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()  # nothing stored by looking
    device = pending(client)
    html = page.content.decode()
    assert "<svg" in html
    assert 'class="qr"' in html
    assert page.context["secret"].replace(" ", "") in html.replace(" ", "")
    assert client.get(ENROL).context["secret"] == page.context["secret"]  # the same key
    response = client.post(ENROL, {"code": code_for(device), "next": "/org/members/"})
    assert response.status_code == 302
    assert response.url == "/org/members/"
    stored = TOTPDevice.objects.get(user=user)
    assert stored.confirmed
    assert stored.key == device.key
    assert PENDING_SESSION_KEY not in client.session
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="accounts.two_factor_enrolled")
    assert event.actor == user
    assert event.object_id == str(user.pk)


def test_the_secret_decodes_to_the_devices_key(bureau):
    from base64 import b32decode

    from accounts.two_factor import secret_of

    device = with_device(bureau.member_a_user)
    text = secret_of(device).replace(" ", "")
    assert b32decode(text + "=" * (-len(text) % 8)) == device.bin_key


@on
def test_a_wrong_first_code_sets_nothing_up(bureau):
    client = sign_in(bureau.secretary_a)
    client.get(ENROL)
    response = client.post(ENROL, {"code": wrong_code_for(pending(client))})
    assert response.status_code == 200
    assert "The code is wrong or has expired" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=bureau.secretary_a).exists()
    assert client.get("/").status_code == 302
    assert failures(bureau.secretary_a)[0].after["second_factor"] == "enrolment"


def test_a_member_may_set_it_up_for_themselves(bureau, client_for):
    client = client_for(bureau.member_a_user)
    assert client.get(ENROL).status_code == 200
    assert client.post(ENROL, {"code": code_for(pending(client))}).url == "/"
    assert client.get("/").status_code == 200
    assert sign_in(bureau.member_a_user).get("/").url == to_verify("/")


@on
def test_one_authenticator_only(bureau):
    client = verified(bureau.secretary_a)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=bureau.secretary_a).count() == 1


# --- codes ---------------------------------------------------------------------------


@on
def test_the_right_code_lets_the_secretary_in_and_is_audited(bureau):
    device = with_device(bureau.secretary_a)
    client = sign_in(bureau.secretary_a)
    assert client.get(VERIFY).status_code == 200
    response = client.post(VERIFY, {"code": code_for(device), "next": "/org/members/"})
    assert response.url == "/org/members/"
    assert client.get("/org/members/").status_code == 200
    assert AuditEvent.objects.filter(
        action="accounts.two_factor_verified", actor=bureau.secretary_a
    ).exists()


@on
def test_a_code_is_used_once(bureau):
    device = with_device(bureau.secretary_a)
    code = code_for(device)
    assert sign_in(bureau.secretary_a).post(VERIFY, {"code": code}).status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    assert sign_in(bureau.secretary_a).post(VERIFY, {"code": code}).status_code == 200


@on
def test_a_wrong_code_is_refused_and_audited_as_a_failed_sign_in(bureau):
    device = with_device(bureau.secretary_a)
    client = sign_in(bureau.secretary_a)
    response = client.post(VERIFY, {"code": wrong_code_for(device)})
    assert response.status_code == 200
    assert "The code is wrong or has expired" in response.content.decode()
    assert client.get("/").status_code == 302
    [event] = failures(bureau.secretary_a)
    assert event.after == {
        "username": "secretary_a",
        "second_factor": "verification",
        "throttled": False,
    }


@on
@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567", "12 34 5x"])
def test_a_malformed_code_gets_the_form_back(bureau, code):
    with_device(bureau.secretary_a)
    response = sign_in(bureau.secretary_a).post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors


@on
def test_wrong_codes_in_a_row_make_the_next_try_wait(bureau):
    device = with_device(bureau.secretary_a)
    client = sign_in(bureau.secretary_a)
    client.post(VERIFY, {"code": wrong_code_for(device)})
    # Straight after a wrong code even the right one waits (django-otp throttling).
    response = client.post(VERIFY, {"code": code_for(device)})
    assert "Too many wrong codes" in response.content.decode()
    assert client.get("/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert [e.after["throttled"] for e in failures(bureau.secretary_a)] == [False, True]
    # Ten wrong codes: the wait has grown to 2**9 seconds.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.context["form"].errors["code"][0].startswith("Too many wrong codes")
    assert "wait 512 seconds" in response.content.decode()
    # Once the wait is over, the right code is taken and the count starts again.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=10)
    )
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


@on
def test_another_users_session_key_gives_no_second_factor(bureau):
    """The verified state is the device of this user, kept in this session."""
    with_device(bureau.secretary_b)
    client_b = verified(bureau.secretary_b)
    client_a = sign_in(bureau.secretary_a)
    assert client_b.get("/").status_code == 200
    assert client_a.get("/").status_code == 302


# --- resetting a lost authenticator --------------------------------------------------


def reset_url(user) -> str:
    return reverse("accounts:two_factor_reset", kwargs={"user_pk": user.pk})


@on
def test_the_committee_resets_a_lost_authenticator(bureau):
    from tests.factories import MemberFactory

    secretary = bureau.secretary_a
    member = MemberFactory(branch=bureau.branch_a, name="周书记", user=secretary)
    with_device(secretary)
    secretary_client = verified(secretary)
    committee = verified(bureau.committee_admin)
    page = committee.get(reverse("organizations:member_detail", kwargs={"pk": member.pk}))
    assert reset_url(secretary) in page.content.decode()
    response = committee.post(reset_url(secretary))
    assert response.url == reverse("organizations:member_detail", kwargs={"pk": member.pk})
    assert not TOTPDevice.objects.filter(user=secretary).exists()
    event = AuditEvent.objects.get(action="accounts.two_factor_reset")
    assert event.actor == bureau.committee_admin
    assert event.object_id == str(secretary.pk)
    assert event.before == {"devices": 1}
    # The secretary's signed-in session loses its second factor at once.
    assert secretary_client.get("/").url == to_verify("/")
    assert secretary_client.get(VERIFY).url.startswith(ENROL)


@on
@pytest.mark.parametrize("who", ["secretary_b", "secretary_a", "member_a_user"])
def test_no_one_else_resets_an_authenticator(bureau, who):
    """A secretary of branch B cannot reset users of branch A; nor, indeed, A's own."""
    with_device(bureau.member_a_user)
    client = verified(getattr(bureau, who))
    response = client.post(reset_url(bureau.member_a_user))
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=bureau.member_a_user).exists()
    assert not AuditEvent.objects.filter(action="accounts.two_factor_reset").exists()
    page = client.get(reverse("organizations:member_detail", kwargs={"pk": bureau.member_a.pk}))
    assert reset_url(bureau.member_a_user) not in page.content.decode()


def test_the_reset_is_a_post_and_only_superusers_reset_superusers(bureau, client_for):
    root = UserFactory(username="root", is_superuser=True)
    with_device(root)
    committee = client_for(bureau.committee_admin)
    assert committee.get(reset_url(bureau.secretary_a)).status_code == 405
    assert committee.post(reset_url(root)).status_code == 404
    assert committee.post(reverse("accounts:two_factor_reset", args=[10**9])).status_code == 404
    assert TOTPDevice.objects.filter(user=root).exists()
    assert verified(root).post(reset_url(root)).status_code == 302
    assert not TOTPDevice.objects.filter(user=root).exists()


@on
def test_superusers_must_use_it(bureau):
    root = UserFactory(username="root", is_superuser=True)
    assert sign_in(root).get("/").url == to_verify("/")


def test_the_reset_command(bureau):
    with_device(bureau.secretary_a)
    out = StringIO()
    call_command("two_factor_reset", "secretary_a", stdout=out)
    assert "authenticators removed: 1" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=bureau.secretary_a).exists()
    assert AuditEvent.objects.get(action="accounts.two_factor_reset").actor is None


def test_the_demo_logins_say_how_to_turn_it_on(bureau):
    UserFactory(username="admin")  # a demonstration login of the committee (jgdw)
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "JIFEN_2FA_REQUIRED=1" in out.getvalue()
    with on:
        out = StringIO()
        call_command("demo_logins", stdout=out)
    assert "JIFEN_2FA_REQUIRED" not in out.getvalue()


def test_a_misspelt_role_fails_the_system_check():
    from accounts.checks import check_two_factor_roles

    assert check_two_factor_roles() == []
    with override_settings(JIFEN_2FA_ROLES=["secretary", "secretray"]):
        [error] = check_two_factor_roles()
    assert error.id == "accounts.E001"
    assert "secretray" in error.msg


@on
def test_the_menu_shows_no_pages_until_the_second_factor_is_shown(bureau):
    branch_menu = "jf-dropdown-scroll"  # the menus of links (templates/base.html)
    client = sign_in(bureau.secretary_a)
    assert branch_menu not in client.get(ENROL).content.decode()
    client = verified(bureau.secretary_a)
    assert branch_menu in client.get("/").content.decode()
