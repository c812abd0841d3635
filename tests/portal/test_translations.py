"""The English catalog: every string of the code has its English, and django.mo is it."""

import gettext
import shutil
import subprocess

from django.conf import settings
from django.core.management import call_command

PO = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _compile(po, tmp_path):
    """Return msgfmt's statistics and the catalog it compiles from `po`."""
    mo = tmp_path / "compiled.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(mo), str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    with mo.open("rb") as compiled:
        return result.stderr, gettext.GNUTranslations(compiled)._catalog


def test_every_string_has_its_english(tmp_path):
    statistics, _ = _compile(PO, tmp_path)
    assert "untranslated" not in statistics and "fuzzy" not in statistics, statistics


def test_the_compiled_catalog_is_the_po(tmp_path):
    _, catalog = _compile(PO, tmp_path)
    with PO.with_suffix(".mo").open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == catalog, "run `make messages`"


def test_the_catalog_holds_every_translatable_string_of_the_code(tmp_path, monkeypatch):
    locale = tmp_path / "locale"
    (locale / "en" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(PO, locale / "en" / "LC_MESSAGES" / "django.po")
    monkeypatch.setattr(settings, "LOCALE_PATHS", [locale])
    monkeypatch.chdir(settings.BASE_DIR)
    call_command("makemessages", verbosity=0)

    _, committed = _compile(PO, tmp_path)
    _, fresh = _compile(locale / "en" / "LC_MESSAGES" / "django.po", tmp_path)
    assert sorted(set(fresh) - set(committed)) == [], "new strings: run `make messages`"
    assert sorted(set(committed) - set(fresh)) == [], "gone strings: run `make messages`"
