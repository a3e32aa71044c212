"""The interface is Simplified Chinese: the catalogue is complete and compiled."""

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
