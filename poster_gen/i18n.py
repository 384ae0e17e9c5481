"""The user's language: Vietnamese or English.

Every user-facing text is written in English in the code, marked for
translation, and looked up in a gettext catalog at run time:

- ``_("text {name}").format(name=...)`` for a message made now;
- ``N_("text")`` marks a text that is translated later, where it is shown
  (click help strings, which exist before the language is known).

Catalogs: ``poster_gen/locale/<lang>/LC_MESSAGES/poster_gen.po`` (the source,
edited by translators), compiled to ``.mo`` with Babel when the package is
built (``hatch_build.py``). Source checkouts without a build use English.

The language is chosen by ``--lang vi|en``, then ``POSTER_GEN_LANG``, then the
locale (LC_ALL, LC_MESSAGES, LANG, LANGUAGE; on Windows the user's UI
language): Vietnamese when the locale is Vietnamese, else English.
"""

from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path

DOMAIN = "poster_gen"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("vi", "en")
ENV = "POSTER_GEN_LANG"

_state: dict = {"lang": None, "tr": gettext.NullTranslations()}


def _locale_language() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return value.split(":")[0]
    if sys.platform == "win32":  # pragma: no cover - Windows only
        try:
            import ctypes
            import locale

            lcid = ctypes.windll.kernel32.GetUserDefaultUILanguage()
            return locale.windows_locale.get(lcid, "")
        except (AttributeError, OSError):
            return ""
    return ""


def detect_language(explicit: str | None = None) -> str:
    """``vi`` or ``en``: the explicit choice, then POSTER_GEN_LANG, then the locale."""
    for value in (explicit, os.environ.get(ENV)):
        if value:
            code = value.strip().lower()[:2]
            if code in LANGUAGES:
                return code
    return "vi" if _locale_language().lower().startswith("vi") else "en"


def set_language(lang: str | None = None) -> str:
    """Switch the catalog; returns the language in use."""
    lang = detect_language(lang)
    if lang == "en":
        tr: gettext.NullTranslations = gettext.NullTranslations()
    else:
        try:
            tr = gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])
        except OSError:  # no compiled catalog (a source checkout without a build): English
            tr = gettext.NullTranslations()
    _state.update(lang=lang, tr=tr)
    return lang


def language() -> str:
    if _state["lang"] is None:
        set_language()
    return _state["lang"]


def _(message: str) -> str:
    """The message in the user's language."""
    if _state["lang"] is None:
        set_language()
    return _state["tr"].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if _state["lang"] is None:
        set_language()
    return _state["tr"].ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a text for translation where it is shown, not here."""
    return message
