"""Two-factor sign-in in a browser: a secretary signs in, sets up an authenticator by
typing the key shown on the page, confirms with the app's code and lands on the home page.

Screenshots land in test-artifacts/screenshots/two-factor-<size>-<step>.png.
"""

from __future__ import annotations

from base64 import b32decode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

from .support import DESKTOP, PHONE


def code_from(secret: str) -> str:
    """What an authenticator app shows for the key typed in by hand."""
    text = "".join(secret.split())
    key = b32decode(text + "=" * (-len(text) % 8))
    return f"{TOTP(key).token():06d}"


def test_a_secretary_sets_up_two_factor_sign_in(bureau, screen, settings):
    settings.JIFEN_2FA_REQUIRED = True
    settings.JIFEN_2FA_ROLES = ["committee_admin", "secretary"]

    desk = screen("two-factor-desktop", DESKTOP)
    desk.sign_in("secretary_a", PASSWORD)
    assert "/accounts/two-factor/enrol/" in desk.page.url
    assert desk.page.locator(".jf-otp-qr svg").is_visible()
    desk.shot("enrol")
    secret = desk.page.inner_text("#otp-secret")
    desk.page.fill("input[name=code]", code_from(secret))
    with desk.page.expect_navigation():
        desk.page.click("form.jf-otp-form button[type=submit]")
    assert desk.page.url == f"{desk.base_url}/"
    assert desk.page.locator(".alert-success").is_visible()
    desk.shot("home")
    assert TOTPDevice.objects.get(user=bureau.secretary_a).confirmed
    assert not desk.problems, desk.problems

    # Next sign-in, on a phone: the code is asked for; a wrong one is refused plainly.
    phone = screen("two-factor-phone", PHONE)
    phone.sign_in("secretary_a", PASSWORD)
    assert "/accounts/two-factor/" in phone.page.url
    phone.page.fill("input[name=code]", "000000" if code_from(secret) != "000000" else "111111")
    with phone.page.expect_navigation():
        phone.page.click("form:has(input[name=code]) button[type=submit]")
    assert phone.page.locator(".invalid-feedback").is_visible()
    phone.shot("wrong-code")
    assert not phone.overflows_sideways()
    assert not phone.problems, phone.problems
