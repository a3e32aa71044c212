"""People are listed by the pinyin of their names, as a Chinese reader expects (张 after
李, not by character code), with pypinyin.

`pinyin_key` is stored beside each name (organizations.Member.name_key and
PublicRepresentative.name_key), so the database sorts whole lists and pages and
query counts stay as they were; `by_pinyin` sorts what is already in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")

# Surnames read differently from the character's everyday reading (曾 zēng, not céng).
SURNAMES = {
    "曾": "zeng1",
    "单": "shan4",
    "解": "xie4",
    "仇": "qiu2",
    "区": "ou1",
    "朴": "piao2",
    "查": "zha1",
    "覃": "qin2",
    "盖": "ge3",
    "乐": "yue4",
    "缪": "miao4",
    "翟": "zhai2",
    "召": "shao4",
    "种": "chong2",
    "秘": "bi4",
    "员": "yun4",
    "繁": "po2",
    "长": "chang2",
    "重": "chong2",
    "薄": "bo2",
    "宿": "su4",
    "尉": "yu4",
    "句": "gou1",
    "折": "she2",
    "黑": "he4",
    "眭": "sui1",
}

_NOT_KEY = re.compile(r"[^0-9a-z]")
KEY_LENGTH = 200


def pinyin_key(name: str) -> str:
    """A string that sorts names by pinyin, syllable by syllable, tone after letters:
    李建国 → "li3jian4guo2". Every syllable ends in its tone (5 for the neutral tone), so
    the key needs no separator and sorts the same under any collation; letters and
    digits of a non-Chinese name are kept, lower-cased."""
    name = (name or "").strip()
    if not name:
        return ""
    syllables = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)
    if name[0] in SURNAMES:
        syllables[0] = SURNAMES[name[0]]
    return _NOT_KEY.sub("", "".join(syllables).lower())[:KEY_LENGTH]


def name_order(path: str = "") -> tuple[str, str]:
    """The order_by() fields that list people by pinyin: name_order("member__") for a
    row of a member, name_order() for a member or public representative itself."""
    return f"{path}name_key", f"{path}name"


def by_pinyin(items: Iterable[T], name: Callable[[T], str] = str) -> list[T]:
    """The items sorted by the pinyin of their names (then by the name itself)."""
    return sorted(items, key=lambda item: (pinyin_key(name(item)), name(item)))
