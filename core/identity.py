"""Checks of people's identifiers: phone numbers and 公民身份号码 (GB 11643-1999)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

# A mainland mobile number, or a landline with its area code (0531-12345678).
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()]", "", value or "").replace("－", "-")


def phone_ok(value: str) -> bool:
    number = normalize_phone(value)
    return bool(MOBILE.match(number) or LANDLINE.match(number))


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def id_number_ok(value: str) -> bool:
    """18 characters, a real birth date, and the check character of GB 11643."""
    number = normalize_id_number(value)
    if not ID_NUMBER.match(number):
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > timezone.localdate():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17]
