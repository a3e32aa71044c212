"""Sign-in with the unit's directory password (django-auth-ldap against a real LDAP server
on 127.0.0.1: ldaptor's in-memory directory, in a child process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import ExternalIdentity
from audit.models import AuditEvent
from config.settings.integrations import ldap_installed
from tests.sso_support import signed_in_as

if not ldap_installed():
    pytest.skip(
        "LDAP sign-in NOT tested: python-ldap is not installed "
        "(apt-get install libldap2-dev libsasl2-dev, then make setup)",
        allow_module_level=True,
    )

ROOT = Path(__file__).resolve().parent.parent
LDIF = b"""dn: dc=bureau,dc=gov
dc: bureau
objectClass: dcObject

dn: ou=people,dc=bureau,dc=gov
ou: people
objectClass: organizationalUnit

dn: uid=zhanghm,ou=people,dc=bureau,dc=gov
uid: zhanghm
cn: Zhang Hongmei
employeeNumber: E1001
userPassword: Directory-2026
objectClass: inetOrgPerson

dn: uid=stranger,ou=people,dc=bureau,dc=gov
uid: stranger
cn: Stranger
employeeNumber: E7777
userPassword: Directory-2026
objectClass: inetOrgPerson

"""


@pytest.fixture(scope="module")
def directory():
    pytest.importorskip("ldaptor", reason="the LDAP test server (ldaptor) is not installed")
    server = subprocess.Popen(  # noqa: S603 - our interpreter and our script
        [sys.executable, str(ROOT / "tests" / "fakes" / "ldap_server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert server.stdin
    assert server.stdout
    server.stdin.write(LDIF)
    server.stdin.close()
    line = server.stdout.readline().decode().strip()
    if not line.isdigit():
        server.kill()
        pytest.fail(f"the LDAP test server did not start: {line}")
    yield f"ldap://127.0.0.1:{line}"
    server.kill()
    server.wait()


@pytest.fixture
def ldap_on(settings, directory, bureau):
    settings.JIFEN_LDAP_SIGNIN = True
    settings.AUTH_LDAP_SERVER_URI = directory
    settings.JIFEN_LDAP_USER_BASE = "ou=people,dc=bureau,dc=gov"
    settings.JIFEN_LDAP_USER_FILTER = "(uid=%(user)s)"
    settings.JIFEN_LDAP_MATCH_ATTRIBUTE = "employeeNumber"
    bureau.member_a.job_number = "E1001"
    bureau.member_a.save()
    return bureau


def sign_in(username: str, password: str) -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": password})
    return client


def test_the_directory_password_signs_in_the_member_with_that_employee_number(ldap_on):
    client = sign_in("zhanghm", "Directory-2026")
    assert signed_in_as(client) == ldap_on.member_a_user
    link = ExternalIdentity.objects.get(provider="ldap")
    assert link.external_id == "uid=zhanghm,ou=people,dc=bureau,dc=gov"
    assert AuditEvent.objects.filter(action="accounts.identity.linked").exists()


def test_a_wrong_directory_password_signs_in_nobody(ldap_on):
    assert not signed_in_as(sign_in("zhanghm", "wrong")).is_authenticated
    assert not ExternalIdentity.objects.exists()


def test_a_directory_account_of_no_member_makes_no_login(ldap_on):
    users = get_user_model().objects.count()
    assert not signed_in_as(sign_in("stranger", "Directory-2026")).is_authenticated
    assert get_user_model().objects.count() == users
    assert AuditEvent.objects.get(action="accounts.login_failed", object_repr__startswith="ldap")


def test_ldap_turned_off_asks_no_directory(ldap_on, settings):
    settings.JIFEN_LDAP_SIGNIN = False
    assert not signed_in_as(sign_in("zhanghm", "Directory-2026")).is_authenticated


def test_the_local_password_still_works_beside_the_directory(ldap_on):
    from tests.factories import PASSWORD

    assert signed_in_as(sign_in("member_a", PASSWORD)) == ldap_on.member_a_user
