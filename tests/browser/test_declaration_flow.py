"""申报 → 认定 in a browser: a member declares on a phone with a photo, a reviewer on a
desktop recognises it, and the points card shows the points.

Screenshots land in test-artifacts/screenshots/declaration-<size>-<step>.png.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from declarations.models import Declaration
from ledger.models import Entry
from rules.services import item_update, scheme_for_year
from tests.browser.support import wait_for_image
from tests.factories import PASSWORD

from .support import DESKTOP, PHONE


@pytest.fixture
def photo(tmp_path, settings):
    """A small PNG as a phone would send it; uploads stored in a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    image = Image.new("RGB", (320, 240), "#2f7d4f")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 280, 180), fill="#f6d27a")
    draw.ellipse((130, 90, 190, 150), fill="#c8102e")
    path = tmp_path / "河道清理现场.png"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_member_declares_on_a_phone_and_a_reviewer_recognises_it(bureau, screen, photo):
    today = timezone.localdate()
    scheme = scheme_for_year(branch=bureau.branch_a, year=today.year)
    volunteer = item_update(
        item=scheme.items.get(code="dedication.volunteer"), cap_year=Decimal("3")
    )

    # The member, on a phone: the list, a new declaration, a line with a photo, submit.
    phone = screen("declaration-phone", PHONE)
    phone.sign_in("member_a", PASSWORD)
    phone.open("/declarations/")
    phone.shot("1-my-declarations")
    assert not phone.overflows_sideways()
    with phone.page.expect_navigation():
        phone.page.click(f"[data-testid=declare-{today.year}-{today.month}]")
    assert "/edit/" in phone.page.url
    phone.page.fill(
        "textarea[name=lines-0-description]", "周六参加河道清理志愿服务，清理垃圾约三小时。"
    )
    phone.page.select_option("select[name=lines-0-suggested_item]", str(volunteer.pk))
    phone.page.set_input_files("input[name=lines-0-evidence]", str(photo))
    phone.page.click("[data-dc-add-line]")
    phone.page.fill("textarea[name=lines-1-description]", "在社区宣讲党的二十大精神。")
    phone.shot("2-form-filled")
    assert not phone.overflows_sideways()
    with phone.page.expect_navigation():
        phone.page.click("[data-testid=save-and-submit]")
    assert phone.page.locator(".alert-success").count() == 1
    assert phone.page.locator("[data-testid=line]").count() == 2
    assert phone.page.locator("img.dc-thumb").count() == 1
    phone.page.locator("img.dc-thumb").scroll_into_view_if_needed()
    wait_for_image(phone.page, "img.dc-thumb")
    phone.shot("3-submitted")
    assert not phone.overflows_sideways()
    declaration = Declaration.objects.get()
    assert declaration.status == Declaration.Status.SUBMITTED
    assert declaration.evidence.get().original_name == photo.name

    # The reviewer, on a desktop: the queue shows it waiting; the review page decides it.
    desk = screen("declaration-desktop", DESKTOP)
    desk.sign_in("group_a", PASSWORD)
    desk.open("/declarations/review/")
    assert desk.page.locator("[data-testid=queue] tbody tr").count() == 1
    desk.shot("1-queue")
    with desk.page.expect_navigation():
        desk.page.click("[data-testid=queue] a.btn-primary")
    lines = desk.page.locator("[data-testid=review-line]")
    assert lines.count() == 2
    first, second = lines.nth(0), lines.nth(1)
    first.locator("input[value=recognise]").check()
    assert first.locator("select[name$='-item']").input_value() == str(volunteer.pk)
    first.locator("input[name$='-points']").fill("5")
    second.locator("input[value=reject]").check()
    assert second.locator("[data-dc-points-part]").is_hidden()
    second.locator("input[name$='-reason']").fill("宣讲活动已由支部统一记录。")
    desk.shot("2-review")
    # The yearly cap of 志愿服务 (3) leaves less than the 5 given: explained, then confirmed.
    with desk.page.expect_navigation():
        desk.page.click("[data-testid=decide]")
    assert desk.page.locator("[data-testid=cap-explanation]").count() == 1
    assert not Entry.objects.exists()
    desk.shot("2b-cap-confirm")
    first = desk.page.locator("[data-testid=review-line]").nth(0)
    first.locator("input[name$='-confirm_reduced']").check()
    with desk.page.expect_navigation():
        desk.page.click("[data-testid=decide]")
    desk.shot("2c-after-confirm")
    assert desk.page.url.endswith("/declarations/review/")
    assert desk.page.locator(".alert-success").count() == 1
    desk.shot("3-decided")
    entry = Entry.objects.get(source="declaration")
    assert (entry.points, entry.month, entry.item_id) == (3, today.month, volunteer.pk)

    # The card shows the points in the declaration's month, within the cap.
    desk.open(f"/summaries/card/{bureau.member_a.pk}/{today.year}/")
    row = desk.page.locator("tr", has_text=volunteer.label).first
    cells = row.locator("td").all_inner_texts()
    assert any(text.strip() in ("3", "3.0") for text in cells), cells
    desk.shot("4-card")

    # Attachment 1, as it prints.
    desk.open(f"/declarations/{declaration.pk}/form1/")
    desk.page.emulate_media(media="print")
    desk.shot("5-form1-print")
    desk.page.emulate_media(media="screen")

    # The member sees the outcome and the reason on the phone.
    phone.open("/declarations/")
    assert "宣讲活动已由支部统一记录。" in phone.page.content()
    phone.shot("4-decided-list")
    phone.open(f"/declarations/{declaration.pk}/")
    assert phone.page.locator("[data-testid=outcome]").count() == 2
    phone.page.locator("img.dc-thumb").scroll_into_view_if_needed()
    wait_for_image(phone.page, "img.dc-thumb")
    phone.shot("5-decided-detail")
    assert not phone.overflows_sideways()
    assert not phone.problems, phone.problems
    assert not desk.problems, desk.problems


def test_a_returned_declaration_a_refused_file_and_a_late_opening(bureau, screen, photo):
    from core.periods import Month
    from declarations import deadlines, recognition, services

    today = timezone.localdate()
    this = Month(today.year, today.month)
    declaration = services.declaration_create(
        member=bureau.member_a, month=this, actor=bureau.member_a_user
    )
    services.declaration_update(
        declaration=declaration,
        version=declaration.version,
        header=services.profile_header(bureau.member_a),
        lines=[services.LineInput(pk=None, description="参加单位义务献血活动。")],
        actor=bureau.member_a_user,
    )
    services.declaration_submit(
        declaration=declaration, version=declaration.version, actor=bureau.member_a_user
    )
    recognition.declaration_return(
        declaration=declaration,
        version=declaration.version,
        reason="请补充献血证照片。",
        reviewer=bureau.group_a,
    )

    phone = screen("declaration-phone", PHONE)
    phone.sign_in("member_a", PASSWORD)
    phone.open(f"/declarations/{declaration.pk}/")
    assert phone.page.locator("[data-testid=return-reason]").count() == 1
    phone.shot("6-returned")
    phone.open(f"/declarations/{declaration.pk}/edit/")
    fake = photo.with_name("献血证.jpg")
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)  # a program renamed .jpg
    phone.page.set_input_files("input[name=lines-0-evidence]", str(fake))
    with phone.page.expect_navigation():
        phone.page.click("[data-testid=save-and-submit]")
    assert phone.page.locator("[data-testid=errors]").count() == 1
    phone.shot("7-refused-file")
    assert not phone.overflows_sideways()

    desk = screen("declaration-desktop", DESKTOP)
    desk.sign_in("recorder_a", PASSWORD)
    desk.open(f"/declarations/branch/{bureau.branch_a.code}/late/")
    desk.page.select_option("select[name=member]", str(bureau.other_member_a.pk))
    last = deadlines.previous(this)
    desk.page.select_option("select[name=month]", f"{last.year}-{last.month:02d}")
    desk.page.fill("input[name=reason]", "外出培训，未能按时申报。")
    with desk.page.expect_navigation():
        desk.page.click("[data-testid=open-late]")
    assert desk.page.locator(".alert-success").count() == 1
    desk.shot("6-late-opened")
    desk.open("/declarations/review/?status=")
    desk.shot("7-queue-all")
    assert not desk.problems, desk.problems
    assert not [p for p in phone.problems if "400" not in p], phone.problems
