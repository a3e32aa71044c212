"""The interface is Simplified Chinese: the catalogue is complete and compiled."""

import io
import re
import tokenize
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated():
    catalogue = polib.pofile(str(PO))
    missing = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert missing == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_the_source():
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.pofile(str(PO))
        if not e.obsolete
    }
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(PO.with_suffix(".mo")))
        if e.msgid
    }
    assert compiled == source


def test_the_interface_speaks_chinese():
    with translation.override("zh-hans"):
        assert translation.gettext("Sign in") == "登录"


HALF_WIDTH = re.compile(r"[\u4e00-\u9fff]\s*[:;,!?()]|[:;,!?()]\s*[\u4e00-\u9fff]")
# What may stand next to Chinese in half width: placeholders, times, URLs, code in quotes.
NOT_TEXT = re.compile(r"%\([a-z_]+\)[sdf]|%\.\d+f|\{\{[^}]*\}\}|https?://\S+|\d+:\d+|\"[^\"]*\"")


def chinese_with_half_width(text: str) -> bool:
    return bool(HALF_WIDTH.search(NOT_TEXT.sub("", text)))


def test_the_catalogue_uses_full_width_punctuation_in_chinese():
    found = [
        e.msgstr or next(iter(e.msgstr_plural.values()), "")
        for e in polib.pofile(str(PO))
        if not e.obsolete
        and any(chinese_with_half_width(s) for s in [e.msgstr, *e.msgstr_plural.values()])
    ]
    assert found == []


def test_chinese_written_in_templates_and_code_uses_full_width_punctuation():
    """The forms' own Chinese (attachments 2 and 3, the card's rows) is written in the
    templates and exports directly; it is punctuated as Chinese, （一） not (一)."""
    root = Path(settings.BASE_DIR)
    found = []
    for path in sorted(root.glob("templates/**/*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<[^>]*>", " ", line)
            if chinese_with_half_width(text):
                found.append(f"{path.relative_to(root)}:{number}")
    for path in sorted(root.glob("*/**/*.py")):
        if path.relative_to(root).parts[0] in {"tests", ".venv", "node_modules"}:
            continue
        for token in tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline):
            literal = token.string
            if token.type != tokenize.STRING or literal.lstrip("rbfRBF").startswith('"""'):
                continue
            if literal.startswith(("r", "R")):
                continue  # a pattern, not text
            if len(re.findall(r"[A-Za-z]", literal)) > len(re.findall(r"[\u4e00-\u9fff]", literal)):
                continue  # an English message quoting Chinese words; its translation is checked
            if chinese_with_half_width(literal):
                found.append(f"{path.relative_to(root)}:{token.start[0]}: {literal[:40]}")
    assert found == []
