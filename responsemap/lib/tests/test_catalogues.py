"""The translation catalogues: complete, not fuzzy, placeholders kept, plural forms right,
and each committed .mo compiled from its .po (checked here without GNU gettext, so a
machine without msgfmt still catches a forgotten ``make messages``).
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\(\w+\)(?:\.\d+)?[sdf]|\{\w*\}|%[sd]")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def translations(self) -> dict[str, str]:
        return {k: v for k, v in self.fields.items() if k.startswith("msgstr")}


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file, as written by makemessages (no msgctxt in this project)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, key = Entry(), ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                entry.fields[key] += ast.literal_eval(line)
            else:
                key, _space, value = line.partition(" ")
                entry.fields[key] = ast.literal_eval(value)
        if entry.fields or entry.obsolete:
            entries.append(entry)
    return entries


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def header(entries: list[Entry]) -> dict[str, str]:
    text = entries[0].fields["msgstr"]
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def nplurals(entries: list[Entry]) -> int:
    match = re.search(r"nplurals=(\d+)", header(entries)["Plural-Forms"])
    assert match is not None
    return int(match.group(1))


def test_one_catalogue_per_language_besides_english() -> None:
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
    assert found == sorted(LANGUAGES)
    assert set(LANGUAGES) == {"fr", "es", "ar", "ht"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = read_po(po_path(language))
    assert entries[0].msgid == ""  # the header
    assert header(entries)["Language"] == language
    assert "fuzzy" not in entries[0].flags
    messages = entries[1:]
    assert len(messages) > 300
    assert [e.msgid for e in messages if e.obsolete] == []
    assert [e.msgid for e in messages if "fuzzy" in e.flags] == []
    assert [e.msgid for e in messages if not all(e.translations.values())] == []
    plural = [e for e in messages if "msgid_plural" in e.fields]
    assert plural  # "Import %(n)s rows" and friends
    for entry in plural:
        assert len(entry.translations) == nplurals(entries), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_kept(language: str) -> None:
    for entry in read_po(po_path(language))[1:]:
        source = sorted(
            set(PLACEHOLDER.findall(entry.msgid + entry.fields.get("msgid_plural", "")))
        )
        for text in entry.translations.values():
            assert sorted(set(PLACEHOLDER.findall(text))) == source, entry.msgid
            # "%" outside a placeholder must stay escaped as "%%" in python-format entries.
            if "python-format" in entry.flags:
                assert "%" not in PLACEHOLDER.sub("", text).replace("%%", ""), entry.msgid


def test_arabic_plural_forms_are_djangos() -> None:
    django_ar = Path(django.__file__).parent / "conf/locale/ar/LC_MESSAGES/django.po"
    ours = header(read_po(po_path("ar")))["Plural-Forms"]
    assert ours == header(read_po(django_ar))["Plural-Forms"]
    assert nplurals(read_po(po_path("ar"))) == 6


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_is_compiled_from_the_po(language: str) -> None:
    expected: dict[object, str] = {}
    for entry in read_po(po_path(language))[1:]:
        if "msgid_plural" in entry.fields:
            for key, text in entry.translations.items():
                expected[(entry.msgid, int(key[len("msgstr[") : -1]))] = text
        else:
            expected[entry.msgid] = entry.fields["msgstr"]
    with po_path(language).with_suffix(".mo").open("rb") as mo:
        compiled = dict(gettext.GNUTranslations(mo)._catalog)  # type: ignore[attr-defined]
    compiled.pop("", None)
    assert compiled == expected, "run `make messages` to compile the catalogues"


def test_haitian_creole_is_a_known_language() -> None:
    info = translation.get_language_info("ht")
    assert info["name_local"] == "Kreyòl ayisyen"
    assert info["bidi"] is False
    assert translation.check_for_language("ht")
    with translation.override("ht"):
        assert translation.get_language() == "ht"
        assert translation.gettext("Send message") == "Voye mesaj la"
        assert not translation.get_language_bidi()
    with translation.override("ar"):
        assert translation.get_language_bidi()
