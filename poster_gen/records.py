"""The records a run leaves behind: one artwork's manifest entry and one file's preflight result.

These are the typed values between the run (batch), its record (``manifest.json``) and what reads
the record (proof sheet, order, bundle, ``report``). On disk they stay plain JSON tables, so a
manifest stays readable by any tool; in the program they are frozen dataclasses.

``ENTRY_VERSION`` numbers the shape of an entry. Version 1 (the first manifests) had no
``version``, ``bleed_mm`` or ``hem_mm``; ``from_dict`` reads both, and keeps keys it does not know
in ``extra`` so that a newer manifest read by an older program loses nothing when written back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

ENTRY_VERSION = 2
DEFAULT_DESIGN = "classic"  # the design of an entry that names none (as api.DEFAULT_DESIGN)


@dataclass(frozen=True)
class Problem:
    """One problem found in a file: a short code and a one-line message in the user's language."""

    code: str
    message: str


@dataclass(frozen=True)
class CheckRecord:
    """The preflight result of one file, as saved in its artwork's entry (key ``check``)."""

    file: str  # relative to the output folder, '/'-separated
    kind: str  # pdf | png | tiff | jpeg | unknown
    status: str  # pass | fail | draft
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    level: str = "quick"  # quick (structural, the default of batch) | full (what 'check' does)
    facts: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def ok(self) -> bool:
        return self.status != "fail"

    @classmethod
    def from_dict(cls, d: dict) -> CheckRecord:
        def problems(key: str) -> tuple[Problem, ...]:
            raw = d.get(key) or ()
            return tuple(Problem(str(p.get("code", "")), str(p.get("message", ""))) for p in raw if isinstance(p, dict))

        facts = d.get("facts")
        return cls(
            file=str(d.get("file", "")),
            kind=str(d.get("kind", "")),
            status=str(d.get("status", "")),
            errors=problems("errors"),
            warnings=problems("warnings"),
            level=str(d.get("level", "full")),  # version 1 records came from the full check
            facts=facts if isinstance(facts, dict) else {},
        )

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "kind": self.kind,
            "status": self.status,
            "level": self.level,
            "errors": [{"code": p.code, "message": p.message} for p in self.errors],
            "warnings": [{"code": p.code, "message": p.message} for p in self.warnings],
            "facts": self.facts,
        }


@dataclass(frozen=True)
class ManifestEntry:
    """One artwork as made: what it is, where its files are, how its text was set, how it checked.

    ``width_mm`` x ``height_mm`` is the finished (trim) size; the printed sheet adds ``bleed_mm`` on
    every side, and a banner's material adds ``hem_mm`` on every side (``--hem``).
    """

    unit: str
    slogan: str
    size: str
    design: str
    files: dict[str, str]  # format -> path relative to the output folder
    kind: str = ""
    width_mm: float = 0.0
    height_mm: float = 0.0
    bleed_mm: float | None = None  # None: not recorded (a version 1 entry)
    hem_mm: float = 0.0
    dpi: int | None = None
    copies: int = 1
    hash: str = ""
    lines: tuple[str, ...] = ()
    cap_height_mm: float | None = None
    required_cap_mm: float | None = None
    viewing_m: float | None = None
    legible: bool | None = None
    heading_cap_mm: float | None = None
    occasion_cap_mm: float | None = None
    blocks: tuple[dict, ...] = ()
    warnings: tuple[str, ...] = ()
    check: tuple[CheckRecord, ...] | None = None  # None: not checked yet
    version: int = ENTRY_VERSION
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # keys this version does not know

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.unit, self.slogan, self.size, self.design)

    @property
    def name(self) -> str:
        """The artwork as its files are named, without extension: ``xa-bang-mac/phuon-80x240_4``."""
        rel = next(iter(self.files.values()), "")
        if rel:
            return rel.rsplit(".", 1)[0]
        return f"{self.unit}/{self.size}_{self.slogan}"

    @property
    def checked(self) -> bool:
        return self.check is not None

    @property
    def check_failed(self) -> bool:
        return any(not c.ok for c in self.check or ())

    @staticmethod
    def key_of(d: dict) -> tuple[str, str, str, str]:
        """The ``key`` of the entry a JSON table holds, without making the entry (a merge of 60,000)."""
        return (d["unit"], d["slogan"], d["size"], d.get("design") or DEFAULT_DESIGN)

    @classmethod
    def from_dict(cls, d: dict) -> ManifestEntry:
        """An entry from its JSON table (already shape-checked by the manifest reader)."""
        known = _known_keys(cls)
        kw: dict[str, Any] = {k: v for k, v in d.items() if k in known}
        kw["files"] = dict(d.get("files") or {})
        kw["lines"] = tuple(d.get("lines") or ())
        kw["blocks"] = tuple(d.get("blocks") or ())
        kw["warnings"] = tuple(d.get("warnings") or ())
        kw["design"] = d.get("design") or DEFAULT_DESIGN
        kw["version"] = int(d.get("version", 1)) if isinstance(d.get("version", 1), int) else 1
        raw_check = d.get("check")
        kw["check"] = (
            tuple(CheckRecord.from_dict(c) for c in raw_check if isinstance(c, dict))
            if isinstance(raw_check, list) else None
        )
        return cls(**kw, extra={k: v for k, v in d.items() if k not in known})

    def to_dict(self) -> dict:
        d: dict[str, Any] = dict(self.extra)
        for f in fields(self):
            if f.name in ("extra", "check"):
                continue
            v = getattr(self, f.name)
            d[f.name] = list(v) if isinstance(v, tuple) else v
        d["version"] = ENTRY_VERSION
        if self.check is not None:
            d["check"] = [c.to_dict() for c in self.check]
        return d



# the keys of an entry's table that are its fields (the rest go to ``extra``)
_ENTRY_KEYS = frozenset(f.name for f in fields(ManifestEntry)) - {"extra"}


def _known_keys(cls: type) -> frozenset[str]:
    return _ENTRY_KEYS if cls is ManifestEntry else frozenset(f.name for f in fields(cls)) - {"extra"}
