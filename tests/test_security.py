"""Hardening: the Content-Security-Policy, security headers, disabled accounts, masked phones."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.access_fixtures import make_outside
from tests.test_access import urls_for
from tests.urlwalk import walk

INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
# Code inside <script> runs only without src=; JSON data blocks (json_script) never run.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def argument_free_pages() -> list[str]:
    """Every page without URL arguments: a quick sample of the whole site."""
    urls = []
    for page in walk():
        if page.converters:
            continue
        try:
            urls.append(reverse(page.name))
        except NoReverseMatch:
            continue
    return urls


def html_pages(client: Client) -> list[tuple[str, object]]:
    pages = []
    for url in argument_free_pages():
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            pages.append((url, response))
    return pages


def test_every_page_carries_a_csp_without_unsafe_inline(bureau, client_for):
    problems = []
    seen = 0
    for client in (Client(), client_for(bureau.secretary_a), client_for(bureau.member_a_user)):
        for url, response in html_pages(client):
            seen += 1
            policy = response.get("Content-Security-Policy", "")
            if "script-src 'self'" not in policy or "style-src 'self'" not in policy:
                problems.append(f"{url}: CSP is {policy!r}")
            if "unsafe-inline" in policy or "unsafe-eval" in policy:
                problems.append(f"{url}: CSP allows inline code: {policy!r}")
            if "frame-ancestors 'none'" not in policy or "object-src 'none'" not in policy:
                problems.append(f"{url}: CSP lacks frame-ancestors/object-src: {policy!r}")
    assert seen > 10
    assert problems == []


EVERY_ROLE = ("committee_admin", "secretary_a", "group_a", "recorder_a", "member_a_user")
# Branch B's own people and the committee open the pages that name B's objects.
OWNERS_OF_B = ("committee_admin", "secretary_b", "member_b_user")


def pages_with_arguments(client: Client, outside) -> list[tuple[str, object]]:
    pages = []
    for page in walk():
        if not page.converters:
            continue
        for url in urls_for(page, outside):
            response = client.get(url)
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                pages.append((url, response))
    return pages


def test_no_page_relies_on_inline_styles_or_scripts(bureau, client_for):
    """The CSP would block them: they must live in files under static/. Every page, as
    every role sees it (the committee's dashboard had a style="" nobody here opened)."""
    outside = make_outside(bureau)
    shown = [*html_pages(Client())]
    for who in EVERY_ROLE:
        shown += html_pages(client_for(getattr(bureau, who)))
    for who in OWNERS_OF_B:
        shown += pages_with_arguments(client_for(getattr(bureau, who)), outside)
    problems = []
    for url, response in shown:
        html = response.content.decode()
        for pattern in (INLINE_STYLE, INLINE_SCRIPT, INLINE_HANDLER):
            found = pattern.search(html)
            if found:
                problems.append(f"{url}: {found.group(0)!r}")
    assert len({url for url, _response in shown}) > 100
    assert problems == []


def test_htmx_is_told_not_to_inject_its_indicator_style(bureau, client_for):
    html = client_for(bureau.member_a_user).get(reverse("core:home"), follow=True).content.decode()
    assert '"includeIndicatorStyles":false' in html


def test_qr_codes_are_svg_without_style_attributes():
    from core.qr import qr_svg

    svg = qr_svg("https://jifen.example.internal/x/", title="张红梅")
    assert svg.startswith("<svg")
    assert not INLINE_STYLE.search(svg)


def test_pages_forbid_camera_microphone_and_location(bureau, client_for):
    response = client_for(bureau.member_a_user).get(reverse("core:home"), follow=True)
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECURE_CROSS_ORIGIN_OPENER_POLICY", "same-origin"),
        ("X_FRAME_OPTIONS", "DENY"),
        ("SECURE_CONTENT_TYPE_NOSNIFF", True),
        ("SESSION_COOKIE_SECURE", True),
    ],
)
def test_production_sets_the_security_headers(name, value, monkeypatch):
    import importlib

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "jifen.example.internal")
    import config.settings.base

    importlib.reload(config.settings.base)  # re-read the environment
    production = importlib.reload(importlib.import_module("config.settings.production"))
    assert getattr(production, name) == value


def test_the_demo_is_installed_for_development_and_tests_only(monkeypatch):
    import importlib

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "jifen.example.internal")
    import config.settings.base

    importlib.reload(config.settings.base)
    production = importlib.reload(importlib.import_module("config.settings.production"))
    dev = importlib.reload(importlib.import_module("config.settings.dev"))
    assert "demo" not in production.INSTALLED_APPS
    assert "demo" in dev.INSTALLED_APPS
    assert "demo" in settings.INSTALLED_APPS  # the test settings


# --- disabling an account ----------------------------------------------------------------


def test_a_disabled_user_is_signed_out_at_their_next_request(bureau, client_for):
    from accounts.services import user_disable
    from audit.models import AuditEvent

    member = client_for(bureau.member_a_user)
    other = client_for(bureau.member_b_user)
    home = reverse("core:home")
    assert member.get(home).status_code == 200

    ended = user_disable(user=bureau.member_a_user, actor=bureau.secretary_a)

    assert ended == 1
    response = member.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert other.get(home).status_code == 200  # another branch's member keeps theirs
    event = AuditEvent.objects.get(action="user.disable")
    assert event.actor == bureau.secretary_a
    assert event.after["is_active"] is False
    assert event.after["sessions_ended"] == 1


def test_an_inactive_user_is_refused_even_if_their_session_survives(bureau, client_for):
    """Sessions outside the database (another SESSION_ENGINE) end too: the backend refuses."""
    member = client_for(bureau.member_a_user)
    bureau.member_a_user.is_active = False
    bureau.member_a_user.save(update_fields=["is_active"])
    response = member.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- phone numbers ----------------------------------------------------------------------

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
OWN, OTHER_A, SECRETARY_A, OTHER_B = "13800001111", "13900002222", "13700003333", "13600004444"


def test_a_phone_is_masked_to_its_first_three_and_last_four_digits():
    from organizations.privacy import mask_phone

    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("138-1234-1234") == "138****1234"
    assert mask_phone("") == ""
    assert mask_phone("12345") == "*****"


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("member_a_user", False),
        ("secretary_a", True),
        ("group_a", True),
        ("recorder_a", True),
        ("committee_admin", True),
        ("secretary_b", False),
    ],
)
def test_only_the_member_and_the_branch_officers_read_a_phone_in_full(bureau, who, sees):
    from organizations.privacy import may_see_phone

    other = bureau.other_member_a
    user = getattr(bureau, who)
    assert may_see_phone(user, branch_id=other.branch_id, member_id=other.pk) is sees
    own = bureau.member_a
    assert may_see_phone(bureau.member_a_user, branch_id=own.branch_id, member_id=own.pk)


def test_an_officer_reads_the_phone_on_a_member_page_and_another_member_cannot(bureau, client_for):
    from organizations.models import Member

    Member.objects.filter(pk=bureau.other_member_a.pk).update(phone=OTHER_A)
    url = reverse("organizations:member_detail", kwargs={"pk": bureau.other_member_a.pk})
    assert OTHER_A in client_for(bureau.secretary_a).get(url).content.decode()
    assert client_for(bureau.member_a_user).get(url).status_code == 404


def test_no_page_a_member_opens_shows_another_persons_mobile_number(bureau, client_for):
    """Every page of the site, with the member's own objects as arguments."""
    from django.urls.converters import IntConverter

    from organizations.models import Member
    from tests.declarations_support import submitted
    from tests.factories import MemberFactory
    from tests.test_access import text_of

    Member.objects.filter(pk=bureau.member_a.pk).update(phone=OWN)
    Member.objects.filter(pk=bureau.other_member_a.pk).update(phone=OTHER_A)
    Member.objects.filter(pk=bureau.member_b.pk).update(phone=OTHER_B)
    MemberFactory(branch=bureau.branch_a, user=bureau.secretary_a, phone=SECRETARY_A)
    bureau.member_a.refresh_from_db()
    declaration = submitted(bureau)
    client = client_for(bureau.member_a_user)
    pks = sorted({bureau.member_a.pk, declaration.pk, bureau.branch_a.pk})
    problems, seen = [], 0
    for page in walk():
        choices: list[dict] = [{}]
        for name, converter in page.converters.items():
            if isinstance(converter, IntConverter):
                values = [2026] if "year" in name else [1] if name in ("month", "half") else pks
            else:
                values = [bureau.branch_a.code]
            choices = [{**c, name: v} for c in choices for v in values]
        for kwargs in choices:
            try:
                url = reverse(page.name, kwargs=kwargs)
            except NoReverseMatch:
                continue
            response = client.get(f"{url}?year=2026&member={bureau.member_a.pk}")
            if response.status_code != 200:
                continue
            seen += 1
            numbers = set(MOBILE.findall(text_of(response))) - {OWN}  # HTML, JSON or .xlsx
            if numbers:
                problems.append(f"{url} ({page.name}): {sorted(numbers)}")
    assert seen > 20
    assert (
        OWN
        in client.get(
            reverse("organizations:member_detail", kwargs={"pk": bureau.member_a.pk})
        ).content.decode()
    )
    assert problems == []


# --- Cache-Control on what a signed-in user gets ------------------------------------------


def every_url(outside) -> list[str]:
    urls = []
    for page in walk():
        if page.converters:
            urls += urls_for(page, outside)
        else:
            try:
                urls.append(reverse(page.name))
            except NoReverseMatch:
                continue
    return urls


def cache_directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def test_everything_a_signed_in_user_gets_is_private_and_not_stored(bureau, client_for):
    """Pages, fragments, downloads and exports alike (core.security_headers)."""
    outside = make_outside(bureau)
    urls = every_url(outside)
    problems, downloads, seen = [], 0, 0
    for who in ("committee_admin", "secretary_b", "member_b_user"):
        client = client_for(getattr(bureau, who))
        for url in urls:
            response = client.get(url)
            seen += 1
            if "text/html" not in response.get("Content-Type", "text/html"):
                downloads += response.status_code == 200
            if not {"private", "no-store"} <= cache_directives(response):
                problems.append(
                    f"{who} {url} {response.status_code}: {response.get('Cache-Control')}"
                )
    assert seen > 300
    assert downloads >= 10
    assert problems == []


def test_public_pages_for_anonymous_visitors_keep_their_own_cache_headers(bureau):
    outside = make_outside(bureau)
    url = reverse("commitments:public", kwargs={"token": outside.secrets["post_token"]})
    response = Client().get(url)
    assert response.status_code == 200
    assert "no-store" not in cache_directives(response)
