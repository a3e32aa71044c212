"""Signing in: hashing, lockout, password rules, first-time change, idle timeout, audit."""

import re
from datetime import timedelta

import pytest
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from tests.factories import PASSWORD
from tests.urlwalk import simple_kwargs, walk

LOGIN = "/accounts/login/"
NEW_PASSWORD = "Dang-Yuan-2026"


@pytest.fixture(autouse=True)
def _urls_are_where_we_think():
    assert reverse("accounts:login") == LOGIN


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


# --- hashing -----------------------------------------------------------------


def test_argon2_is_the_first_password_hasher_outside_tests():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_is_installed_and_hashes():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    assert encoded.startswith("argon2$")
    assert hasher.verify(PASSWORD, encoded)


# --- signing in --------------------------------------------------------------


def test_a_member_signs_in_and_reaches_the_home_page(bureau):
    client = Client()
    response = sign_in(client, "member_a")
    assert response.status_code == 302
    assert response.url == reverse(settings.LOGIN_REDIRECT_URL)
    assert client.get(response.url).status_code == 200


def test_a_wrong_password_shows_the_form_again(bureau):
    response = sign_in(Client(), "member_a", "wrong")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in response.wsgi_request.session


def test_signing_in_is_audited(bureau):
    sign_in(Client(), "secretary_a")
    event = AuditEvent.objects.get(action="accounts.login")
    assert event.actor == bureau.secretary_a


def test_pages_need_a_sign_in():
    response = Client().get(reverse("core:home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


# --- lockout -----------------------------------------------------------------


def test_five_failures_lock_the_username_for_fifteen_minutes(bureau):
    client = Client()
    for _ in range(4):
        assert sign_in(client, "member_a", "wrong").status_code == 200
    fifth = sign_in(client, "member_a", "wrong")
    assert fifth.status_code == 429
    sixth = sign_in(client, "member_a")  # the right password, still refused
    assert sixth.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in sixth.templates]
    assert "_auth_user_id" not in client.session
    assert get_cool_off() == timedelta(minutes=15)


def test_a_locked_username_signs_in_again_after_fifteen_minutes(bureau):
    client = Client()
    for _ in range(5):
        sign_in(client, "member_a", "wrong")
    assert sign_in(client, "member_a").status_code == 429
    earlier = timezone.now() - timedelta(minutes=16)
    AccessAttempt.objects.filter(username="member_a").update(attempt_time=earlier)
    assert sign_in(client, "member_a").status_code == 302


def test_a_lockout_does_not_touch_other_usernames(bureau):
    client = Client()  # the same address, as on a shared office network
    for _ in range(5):
        sign_in(client, "member_a", "wrong")
    assert sign_in(client, "member_a").status_code == 429
    assert sign_in(client, "secretary_a").status_code == 302


def test_a_success_before_the_limit_resets_the_count(bureau):
    client = Client()
    for _ in range(4):
        sign_in(client, "member_a", "wrong")
    assert sign_in(client, "member_a").status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert sign_in(client, "member_a", "wrong").status_code == 200
    assert sign_in(client, "member_a").status_code == 302


def test_axes_settings_match_the_plan():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert settings.AXES_LOCKOUT_CALLABLE == "accounts.views.locked_out"
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


# --- password rules ----------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "password1",  # two classes, and common
        "abcdefgh",  # one class
        "Ab1!",  # too short
        "ABCDEFGH12",  # two classes
        "member_a2026X",  # like the username
    ],
)
def test_weak_passwords_are_refused(bureau, password):
    with pytest.raises(ValidationError):
        validate_password(password, bureau.member_a_user)


@pytest.mark.parametrize("password", ["Member_A@2026xyz!", "2026!member-a-Qz", "xX-MEMBERA-2026"])
def test_a_password_containing_the_username_is_refused_however_long(bureau, password):
    """Django's similarity ratio alone accepted these: the rest makes them long enough."""
    with pytest.raises(ValidationError) as refused:
        validate_password(password, bureau.member_a_user)
    assert [e.code for e in refused.value.error_list] == ["password_too_similar"]


def test_a_password_containing_the_username_is_refused_on_the_change_form(bureau, client_for):
    user = bureau.member_a_user
    new = "Member_A@2026xyz!"
    response = client_for(user).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    assert response.status_code == 200
    assert "密码不得包含用户名，也不得与之相似。" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


WEAK_PASSWORDS = ["x", "abcdefgh", "password1", "ABCDEFGH12", "member_a2026X", "Member_A@2026xyz!"]


def test_every_password_message_is_chinese(bureau):
    """Django's catalogue lacked its newer "too short" text: it showed in English."""
    messages = []
    with translation.override("zh-hans"):
        for password in WEAK_PASSWORDS:
            with pytest.raises(ValidationError) as refused:
                validate_password(password, bureau.member_a_user)
            messages += refused.value.messages
        messages += password_validators_help_texts()
    english = [m for m in messages if re.search(r"[A-Za-z]{3,}", m) or not re.search(r"[一-龥]", m)]
    assert english == []


@pytest.mark.parametrize("password", ["Hongqi2026", "hong-qi-2026", "HONG QI 2026", "Qz7!wxyz"])
def test_passwords_of_eight_characters_and_three_classes_are_accepted(bureau, password):
    validate_password(password, bureau.member_a_user)


# --- changing the initial password -------------------------------------------


@pytest.fixture
def newcomer(bureau):
    user = bureau.member_a_user
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    return user


def change_form(old=PASSWORD, new=NEW_PASSWORD):
    return {"old_password": old, "new_password1": new, "new_password2": new}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/org/members/",
        f"/summaries/card/1/{timezone.now().year}/",
        "/ledger/zb1/entries/new/",
        "/no/such/page/",
    ],
)
def test_a_user_with_the_initial_password_is_sent_to_the_change_form(newcomer, path):
    client = Client()
    sign_in(client, "member_a")
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_change")


def test_every_page_of_the_site_leads_a_newcomer_to_the_change_form(newcomer):
    client = Client()
    sign_in(client, "member_a")
    change = reverse("accounts:password_change")
    reachable = {change, reverse("accounts:logout")}
    wrong = []
    for page in walk():
        kwargs = simple_kwargs(page, code="zb1", pk=newcomer.member.pk, year=2026)
        url = reverse(page.name, kwargs=kwargs)
        if url in reachable:
            continue
        response = client.get(url)
        if response.status_code != 302 or response.url != change:
            wrong.append(f"{url}: {response.status_code}")
    assert not wrong, wrong


def test_htmx_requests_are_sent_to_the_change_form_as_a_full_page(newcomer):
    client = Client()
    sign_in(client, "member_a")
    response = client.get("/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("accounts:password_change")


def test_the_change_form_and_sign_out_stay_reachable(newcomer, client_for):
    client = client_for(newcomer)
    assert client.get(reverse("accounts:password_change")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_changing_the_password_clears_the_flag_and_is_audited(newcomer, client_for):
    client = client_for(newcomer)
    response = client.post(reverse("accounts:password_change"), change_form())
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password
    assert newcomer.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # still signed in, no longer redirected
    assert AuditEvent.objects.filter(action="accounts.password_changed", actor=newcomer).exists()


@pytest.mark.parametrize(
    "data",
    [
        change_form(new="password1"),
        change_form(new="abcdefgh"),
        change_form(old="wrong"),
        change_form(new=PASSWORD),  # the same as before
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "other"},
    ],
)
def test_a_refused_change_keeps_the_flag(newcomer, client_for, data):
    client = client_for(newcomer)
    response = client.post(reverse("accounts:password_change"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    newcomer.refresh_from_db()
    assert newcomer.must_change_password
    assert newcomer.check_password(PASSWORD)


# --- sessions and signing out ------------------------------------------------


def session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_expires_after_thirty_idle_minutes(bureau):
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_ENGINE == "core.sessions"  # refreshes the expiry once a minute
    client = Client()
    sign_in(client, "member_a")
    assert client.session.get_expiry_age() == 1800
    remaining = session_row(client).expire_date - timezone.now()
    assert timedelta(seconds=1790) < remaining <= timedelta(seconds=1800)


def test_each_request_refreshes_the_idle_timeout(bureau):
    client = Client()
    sign_in(client, "member_a")
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    assert client.get("/").status_code == 200
    remaining = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert remaining > timedelta(seconds=1790)


def test_a_session_refreshed_within_the_minute_is_not_written_again(bureau):
    client = Client()
    sign_in(client, "member_a")
    key = client.session.session_key
    fresh = timezone.now() + timedelta(seconds=1800 - 20)
    Session.objects.filter(session_key=key).update(expire_date=fresh)
    assert client.get("/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == fresh


def test_an_expired_session_leads_back_to_the_sign_in_page(bureau):
    client = Client()
    sign_in(client, "member_a")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_signing_out_is_post_only_and_audited(bureau):
    client = Client()
    sign_in(client, "member_a")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get("/").status_code == 200  # a GET did not sign out
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == LOGIN
    assert client.get("/").status_code == 302
    event = AuditEvent.objects.get(action="accounts.logout")
    assert event.actor == bureau.member_a_user


def test_a_signed_in_user_visiting_the_sign_in_page_goes_home(bureau, client_for):
    response = client_for(bureau.member_a_user).get(LOGIN)
    assert response.status_code == 302
