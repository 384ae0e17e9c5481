"""Shared helpers and independent reference data for the test suite.

Nothing here comes from poster_gen: the slogans and unit names below are a
second, hand-made copy of the district memo and the statistics office list,
so the tests still check the packaged campaign when the reference folder
(``shared/reference`` next to the repository) is not available, e.g. in CI.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, settings

# Property tests: modest example counts so the suite stays fast; no per-example
# deadline (the first shaping with a font is slow, later ones are cached).
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TESTS_DIR = Path(__file__).resolve().parent
DATA_DIR = TESTS_DIR / "data"
REPO_DIR = TESTS_DIR.parent
# The project's shared reference folder sits next to the repository checkout.
SHARED_REFERENCE = TESTS_DIR.parents[1] / "shared" / "reference"
MEMO = SHARED_REFERENCE / "cong-van-ubnd-chi-lang-2024.txt"
UNITS_MD = SHARED_REFERENCE / "units.md"

# The six slogans of the memo (UBND huyện Chi Lăng, .../UBND-KTHT, April 2024),
# typed from the memo, in its order, without its closing quotes and full stops.
APPROVED_SLOGANS: tuple[str, ...] = (
    "Phát triển khoa học, công nghệ và đổi mới sáng tạo - khơi dậy khát vọng, kiến tạo tương lai",
    "Khoa học, công nghệ và đổi mới sáng tạo - nâng cao tiềm lực và vị thế quốc gia",
    "Đổi mới sáng tạo và sở hữu trí tuệ vì tương lai tốt đẹp hơn",
    "Đổi mới sáng tạo - Khơi nguồn tri thức",
    "Đổi mới sáng tạo - Nền tảng thúc đẩy phát triển quốc gia hiện đại",
    "Đổi mới sáng tạo - Nâng cao giá trị cuộc sống",
)

# The 20 commune-level units of huyện Chi Lăng in April 2024 (GSO codes).
COMMUNE_UNITS: tuple[tuple[str, str], ...] = (
    ("06463", "Thị trấn Đồng Mỏ"),
    ("06466", "Thị trấn Chi Lăng"),
    ("06469", "Xã Vân An"),
    ("06472", "Xã Vân Thủy"),
    ("06475", "Xã Gia Lộc"),
    ("06478", "Xã Bắc Thủy"),
    ("06481", "Xã Chiến Thắng"),
    ("06484", "Xã Mai Sao"),
    ("06487", "Xã Bằng Hữu"),
    ("06490", "Xã Thượng Cường"),
    ("06493", "Xã Bằng Mạc"),
    ("06496", "Xã Nhân Lý"),
    ("06499", "Xã Lâm Sơn"),
    ("06502", "Xã Liên Sơn"),
    ("06505", "Xã Vạn Linh"),
    ("06508", "Xã Hòa Bình"),
    ("06514", "Xã Hữu Kiên"),
    ("06517", "Xã Quan Sơn"),
    ("06520", "Xã Y Tịch"),
    ("06523", "Xã Chi Lăng"),
)

COMMUNE_KINDS = ("xa", "thi-tran")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def squash(text: str) -> str:
    """Whitespace-normalised text: single spaces, no leading/trailing space."""
    return " ".join(text.split())


def vn_upper(text: str) -> str:
    """Upper case as a reader expects it on a banner, computed independently of poster_gen."""
    return nfc(nfc(text).upper())


def memo_slogans(path: Path = MEMO) -> list[str]:
    """The slogans quoted “...” in the memo, in order, exactly as written."""
    text = path.read_text(encoding="utf-8")
    return re.findall(r"“([^”]+)”", text)


def units_md_communes(path: Path = UNITS_MD) -> list[tuple[str, str]]:
    """(code, name) rows of the commune table in units.md, remarks in brackets removed."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*(\d{5})\s*\|\s*(.+?)\s*\|\s*$", line)
        if m:
            name = re.sub(r"\s*\([^)]*\)\s*$", "", m.group(2))
            rows.append((m.group(1), name))
    return rows


CATALOG_DIR = REPO_DIR / "poster_gen" / "locale" / "vi" / "LC_MESSAGES"


def ensure_catalog() -> bool:
    """Compile the Vietnamese catalog when a .po is newer than the .mo (a translator's edit in a
    checkout); True when a compiled catalog is there. Needs Babel, a test dependency."""
    import sys

    mo = CATALOG_DIR / "poster_gen.mo"
    sources = list(CATALOG_DIR.rglob("*.po"))
    if mo.is_file() and all(p.stat().st_mtime <= mo.stat().st_mtime for p in sources):
        return True
    sys.path.insert(0, str(REPO_DIR))
    try:
        import hatch_build  # the build step, at the top of the checkout

        hatch_build.compile_catalogs(REPO_DIR)
    except ImportError:  # not a checkout, or no Babel
        pass
    finally:
        sys.path.remove(str(REPO_DIR))
    return mo.is_file()
