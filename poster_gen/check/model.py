"""What a check finds: problems with their codes, and one file's result."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from poster_gen.check import limits

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")  # what a message may not hold


class Code:
    """The problem codes: machine-readable, in English whatever the user's language (JSON ``code``)."""

    READ = "read"
    BOXES = "boxes"
    FONTS = "fonts"
    COLOR = "color"
    TEXT = "text"
    PDFX = "pdfx"
    PNG = "png"
    SIZE = "size"
    DPI = "dpi"
    METADATA = "metadata"
    CONTENT = "content"


WARNING = "warning"  # a Problem's severity when it does not fail the file


@dataclass(frozen=True)
class Problem:
    code: str  # short tag (Code): read, boxes, fonts, color, text, pdfx, png, size, dpi, metadata, content
    message: str  # one line in the user's language: what is wrong and what was expected
    severity: str = "error"  # error | warning

    def __post_init__(self) -> None:
        # one line whatever a hostile file puts in the names and texts a message quotes
        msg = CONTROL.sub(" ", self.message)
        if len(msg) > limits.MAX_MESSAGE_CHARS:
            msg = msg[: limits.MAX_MESSAGE_CHARS - 1] + "…"
        object.__setattr__(self, "message", msg)


@dataclass(frozen=True)
class FileCheck:
    path: str
    kind: str  # pdf | png | unknown
    problems: tuple[Problem, ...] = ()
    draft: bool = False
    facts: dict = field(default_factory=dict, compare=False, hash=False)
    level: str = "full"  # how deep it was checked: quick (structure, claims) | full (and the text on the page)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity != "error")

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        if self.errors:
            return "fail"
        return "draft" if self.draft else "pass"

    def to_dict(self) -> dict:
        return {
            "file": self.path,
            "kind": self.kind,
            "status": self.status,
            "level": self.level,
            "errors": [{"code": p.code, "message": p.message} for p in self.errors],
            "warnings": [{"code": p.code, "message": p.message} for p in self.warnings],
            "facts": self.facts,
        }
