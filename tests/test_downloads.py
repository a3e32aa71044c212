"""Every download is named in Chinese (RFC 6266 `filename*`) with a plain-ASCII
fallback, through core.downloads; `declaration-2026-12-431.xlsx` is gone."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.downloads import ascii_filename, content_disposition
from tests.declarations_support import submitted
from tests.test_appraisals_views import open_session

YEAR = timezone.localdate().year
ROOT = Path(settings.BASE_DIR)
CJK = re.compile(r"[\u4e00-\u9fff]")


def names_of(response) -> tuple[str, str]:
    """(the ASCII fallback, the UTF-8 name) of a response's Content-Disposition."""
    header = response["Content-Disposition"]
    fallback = re.search(r'filename="([^"]*)"', header)
    utf8 = re.search(r"filename\*=UTF-8''(\S+)", header)
    assert fallback, header
    assert utf8, header
    assert header.index('filename="') < header.index("filename*="), "the fallback comes first"
    return fallback.group(1), unquote(utf8.group(1))


def test_a_chinese_name_has_a_pinyin_fallback():
    header = content_disposition("党员奉献量化积分制管理记录卡-张红梅-2026.xlsx")
    assert header.startswith("attachment; ")
    assert (
        'filename="dangyuanfengxianlianghuajifenzhiguanlijiluka-zhanghongmei-2026.xlsx"' in header
    )
    assert "filename*=UTF-8''%E5%85%9A" in header
    assert header.isascii()


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ('体检"; x=1.pdf', "tijian_x_1.pdf"),
        ("../../etc/passwd", "etc_passwd"),
        ("报告\r\nSet-Cookie: a=b.pdf", "baogao_Set-Cookie_a_b.pdf"),
        ("", "download"),
    ],
)
def test_a_hostile_name_cannot_break_the_header(name, fallback):
    header = content_disposition(name, inline=True)
    assert header.startswith("inline; ")
    assert "\r" not in header
    assert "\n" not in header
    assert header.isascii()
    assert ascii_filename(name) == fallback
    assert header.count('"') == 2


def test_no_view_names_a_download_itself():
    """One helper names every download: nothing else writes Content-Disposition."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        top = path.relative_to(ROOT).parts[0]
        if top in {"tests", ".venv", "node_modules", "scripts"} or path.name == "downloads.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"Content-Disposition|content_disposition_header|as_attachment", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def get(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, url
    return names_of(response)


def test_the_declaration_form_is_named_in_chinese(bureau, client_for):
    declaration = submitted(bureau)
    url = reverse("declarations:form1_xlsx", kwargs={"pk": declaration.pk})
    fallback, name = get(client_for(bureau.member_a_user), url)
    month = f"{declaration.year}年{declaration.month}月"
    assert name == f"月度党员奉献量化积分申报表-张红梅-{month}.xlsx"
    assert fallback.startswith("yuedudangyuan")
    assert fallback.endswith(".xlsx")
    assert "declaration" not in name


def test_the_appraisal_form_is_named_in_chinese(bureau, client_for):
    session = open_session(bureau)
    client = client_for(bureau.secretary_a)
    _fallback, name = get(client, reverse("appraisals:form3_xlsx", kwargs={"pk": session.pk}))
    assert name == "党员奉献量化积分民主评议表-第一党支部-2026年上半年.xlsx"


@pytest.mark.parametrize(
    ("url_name", "kwargs", "expected"),
    [
        ("summaries:card_xlsx", {"member_pk": "A", "year": YEAR}, "记录卡-张红梅"),
        ("summaries:branch_cards_xlsx", {"code": "zb1", "year": YEAR}, "记录卡-第一党支部"),
        ("summaries:summary_download", {"code": "zb1", "year": YEAR, "fmt": "csv"}, "汇总表"),
        ("summaries:summary_download", {"code": "zb1", "year": YEAR, "fmt": "json"}, "汇总表"),
        ("summaries:forms_zip", {"code": "zb1", "year": YEAR}, "附件2至附件4"),
        ("oversight:report_xlsx", {"code": "zb1", "year": YEAR}, "工作情况"),
        ("organizations:member_import_template", {}, "党员信息导入模板"),
    ],
)
def test_every_other_download_is_named_in_chinese(bureau, client_for, url_name, kwargs, expected):
    kwargs = {k: bureau.member_a.pk if v == "A" else v for k, v in kwargs.items()}
    fallback, name = get(client_for(bureau.secretary_a), reverse(url_name, kwargs=kwargs))
    assert expected in name
    assert CJK.search(name)
    assert fallback.isascii()
    assert not CJK.search(fallback)
    assert fallback.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1]
