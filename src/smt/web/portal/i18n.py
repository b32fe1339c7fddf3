"""Translations: the Spanish catalog is compiled from its .po file when the portal starts, and
each language has its own Jinja environment (translations are never swapped on a shared one
while requests run concurrently)."""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

LANGUAGES = ("en", "es")
HERE = Path(__file__).parent


def translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    po = HERE / "locale" / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as stream:
        catalog = read_po(stream, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def environments() -> dict[str, Environment]:
    envs = {}
    for language in LANGUAGES:
        env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
        envs[language] = env
    return envs
