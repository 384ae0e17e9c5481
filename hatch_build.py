"""Build step: compile the gettext catalogs (poster_gen/locale/*/LC_MESSAGES/*.po) to .mo with Babel,
and the word lists (poster_gen/data/pyvi-words.txt, words-extra.txt) to one file that loads in
milliseconds (poster_gen/data/wordlists.compiled; a source checkout makes it on first use).

The .po files are the source, edited by translators and kept in git; the .mo
files are made here, for the wheel and for editable installs, and not kept in git.
"""

from __future__ import annotations

from pathlib import Path

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script, outside a build
    BuildHookInterface = object  # type: ignore[misc,assignment]


def compile_catalogs(root: Path) -> list[Path]:
    """One .mo per language: ``LC_MESSAGES/poster_gen.po`` and the parts under
    ``LC_MESSAGES/parts/*.po`` (one per area of the code) merged into ``poster_gen.mo``."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    made = []
    for folder in sorted((root / "poster_gen" / "locale").glob("*/LC_MESSAGES")):
        lang = folder.parent.name
        sources = sorted(folder.glob("*.po")) + sorted((folder / "parts").glob("*.po"))
        if not sources:
            continue
        merged = Catalog(locale=lang, domain="poster_gen")
        for po in sources:
            with po.open("rb") as fh:
                for message in read_po(fh, locale=lang):
                    if message.id and message.string and not message.fuzzy:
                        merged[message.id] = message
        mo = folder / "poster_gen.mo"
        tmp = folder / "poster_gen.mo.part"
        with tmp.open("wb") as fh:
            write_mo(fh, merged, use_fuzzy=False)
        tmp.replace(mo)
        made.append(mo)
    return made


def compile_wordlists(root: Path) -> Path:
    """poster_gen/data/wordlists.compiled from the text word lists (poster_gen.words, standard library only)."""
    import sys

    sys.path.insert(0, str(root))
    try:
        from poster_gen.words import write_compiled_wordlists

        return write_compiled_wordlists(root / "poster_gen" / "data")
    finally:
        sys.path.remove(str(root))


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        compile_catalogs(Path(self.root))
        compile_wordlists(Path(self.root))


if __name__ == "__main__":  # python hatch_build.py: compile in place, for a source checkout
    for m in compile_catalogs(Path(__file__).resolve().parent):
        print(m)
    print(compile_wordlists(Path(__file__).resolve().parent))
