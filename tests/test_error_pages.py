"""Error pages are Chinese, in the site's layout, say nothing about the request and lead home."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from appraisals.models import AppraisalSession
from tests.test_idempotency import entries_url, entry_form, scheme_a  # noqa: F401

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
HOME_LINK = 'href="/"'


def page(response) -> str:
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "返回首页" in body
    assert HOME_LINK in body
    assert 'class="card jf-error"' in body  # the site's layout, not Django's plain page
    return body


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_missing_page_is_a_chinese_404(bureau, client_for, signed_in):
    client = client_for(bureau.member_a_user) if signed_in else Client()
    response = client.get("/no-such-page-marker-7f3a/", **CHINESE)
    assert response.status_code == 404
    body = page(response)
    assert "页面不存在" in body
    assert "marker-7f3a" not in body  # the path is not echoed
    assert "Page not found" not in body


def test_a_page_of_another_branch_is_the_same_404(bureau, client_for):
    url = reverse("summaries:branch_table", kwargs={"code": "zb2", "year": 2026})
    response = client_for(bureau.secretary_a).get(url, **CHINESE)
    assert response.status_code == 404
    assert "页面不存在" in page(response)


def test_a_refused_action_is_a_chinese_403_without_the_reason_inside(bureau, client_for):
    url = reverse("appraisals:session_create", args=["zb1"])
    response = client_for(bureau.group_a).get(url, **CHINESE)
    assert response.status_code == 403
    body = page(response)
    assert "无权" in body
    assert "Forbidden" not in body
    assert "exception" not in body


def test_a_bad_request_is_a_chinese_400(bureau):
    response = Client().get("/", HTTP_HOST="evil.example", **CHINESE)
    assert response.status_code == 400
    body = page(response)
    assert "无法处理" in body
    assert "evil.example" not in body


def test_a_form_failing_the_csrf_check_is_a_chinese_page(bureau):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": "member_a", "password": "x"}, **CHINESE
    )
    assert response.status_code == 403
    body = page(response)
    assert "表单已过期" in body
    assert "CSRF verification" not in body
    assert "Referer" not in body


@override_settings(ROOT_URLCONF="tests.error_urls")
def test_a_failing_page_is_a_chinese_500_that_hides_the_failure(bureau, client_for):
    client = client_for(bureau.member_a_user)
    client.raise_request_exception = False
    response = client.get("/boom/", **CHINESE)
    assert response.status_code == 500
    body = page(response)
    assert "系统出错" in body
    assert "secret detail" not in body
    assert "RuntimeError" not in body


def test_the_500_page_needs_neither_the_database_nor_a_request_context():
    # No `db` fixture: pytest-django makes any database access here an error.
    with translation.override("zh-hans"):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "系统出错" in page(response)


def test_the_idempotency_refusals_are_chinese_pages(bureau, scheme_a, client_for):  # noqa: F811
    client = client_for(bureau.group_a)
    response = client.post(
        entries_url(), entry_form(bureau, scheme_a, idempotency_key="bad key"), **CHINESE
    )
    assert response.status_code == 400
    assert "幂等" not in page(response)  # plain words, not the mechanism's name
    assert "请刷新页面后重试" in response.content.decode()

    token = "key-for-one-form-1234"
    assert client.post(entries_url(), entry_form(bureau, scheme_a, idempotency_key=token))
    response = client.post(
        reverse("appraisals:session_create", args=["zb1"]), {"idempotency_key": token}, **CHINESE
    )
    assert response.status_code == 422
    assert "未作任何处理" in page(response)
    assert not AppraisalSession.objects.exists()
