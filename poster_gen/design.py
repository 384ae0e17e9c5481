"""Designs: readable TOML files in templates/ describing regions, colours,
fonts and jinja2 text fields per kind. Layout of the text is the engine's job.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from poster_gen.errors import PosterGenError
from poster_gen.resources import templates_dir
from poster_gen.scene import Color


@dataclass(frozen=True)
class Box:
    """A region as fractions (x, y, w, h) of the safe area, or of the canvas."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class RectSpec:
    box: Box
    color: str
    on: str = "safe"  # safe | trim | canvas


@dataclass(frozen=True)
class FrameSpec:
    inset: float  # fraction of the safe area's short side, from the safe edge (negative: outwards)
    width: float  # stroke width, fraction of the short side
    color: str


@dataclass(frozen=True)
class TextSpec:
    field: str
    box: Box
    font: str
    color: str
    case: str = "upper"  # upper | as-is
    max_lines: int = 1
    align: str = "center"
    valign: str = "center"
    max_cap_frac: float = 0.0  # cap height at most this fraction of the box height (0: no cap)
    legibility: bool = False  # this block's size is reported against viewing distance


@dataclass(frozen=True)
class KindLayout:
    background: str
    rects: tuple[RectSpec, ...]
    frames: tuple[FrameSpec, ...]
    texts: tuple[TextSpec, ...]


@dataclass(frozen=True)
class Design:
    id: str
    name: str
    description: str
    path: str
    fonts: dict
    colors: dict
    fields: dict
    kinds: dict  # kind id -> KindLayout

    def color(self, name: str) -> Color:
        return self.colors[name]


def _color(where: str, raw) -> Color:
    try:
        rgb = raw["rgb"]
        if isinstance(rgb, str):
            h = rgb.lstrip("#")
            rgb = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
        cmyk = tuple(float(v) / 100.0 for v in raw["cmyk"])
        if len(cmyk) != 4 or len(rgb) != 3:
            raise ValueError
        return Color(tuple(int(v) for v in rgb), cmyk)  # type: ignore[arg-type]
    except (KeyError, ValueError, TypeError, IndexError):
        raise PosterGenError(
            f"{where}: a colour needs rgb = \"#RRGGBB\" and cmyk = [C, M, Y, K] in percent"
        ) from None


def _box(where: str, raw) -> Box:
    try:
        x, y, w, h = (float(v) for v in raw)
    except (TypeError, ValueError):
        raise PosterGenError(f"{where}: region must be [x, y, width, height] as fractions 0..1") from None
    if w <= 0 or h <= 0:
        raise PosterGenError(f"{where}: region width and height must be positive")
    return Box(x, y, w, h)


def parse_design(data: dict, path: str) -> Design:
    where = path
    try:
        colors = {k: _color(f"{where} [colors.{k}]", v) for k, v in data.get("colors", {}).items()}
        kinds = {}
        for kind, raw in data.get("kinds", {}).items():
            texts = tuple(
                TextSpec(
                    field=t["field"],
                    box=_box(f"{where} kinds.{kind} text {t['field']}", t["region"]),
                    font=t.get("font", "body"),
                    color=t.get("color", "text"),
                    case=t.get("case", "upper"),
                    max_lines=int(t.get("max_lines", 1)),
                    align=t.get("align", "center"),
                    valign=t.get("valign", "center"),
                    max_cap_frac=float(t.get("max_cap_frac", 0.0)),
                    legibility=bool(t.get("legibility", t["field"] == "slogan")),
                )
                for t in raw.get("text", [])
            )
            rects = tuple(
                RectSpec(_box(f"{where} kinds.{kind} rect", r["region"]), r["color"], r.get("on", "safe"))
                for r in raw.get("rect", [])
            )
            frames = tuple(
                FrameSpec(float(f.get("inset", 0.0)), float(f["width"]), f["color"]) for f in raw.get("frame", [])
            )
            kinds[kind] = KindLayout(raw.get("background", "ground"), rects, frames, texts)
        design = Design(
            id=data["id"],
            name=data.get("name", data["id"]),
            description=data.get("description", ""),
            path=path,
            fonts=dict(data.get("fonts", {})),
            colors=colors,
            fields=dict(data.get("fields", {})),
            kinds=kinds,
        )
    except KeyError as exc:
        raise PosterGenError(f"{where}: missing key {exc}; see the packaged designs for the format") from None
    for kind, lay in design.kinds.items():
        for name in [lay.background, *(r.color for r in lay.rects), *(f.color for f in lay.frames), *(t.color for t in lay.texts)]:
            if name not in design.colors:
                raise PosterGenError(f"{where}: kinds.{kind} uses colour '{name}' that [colors] does not define")
        for t in lay.texts:
            if t.font not in design.fonts:
                raise PosterGenError(f"{where}: kinds.{kind} uses font '{t.font}' that [fonts] does not define")
            if t.field not in design.fields and t.field != "slogan":
                raise PosterGenError(f"{where}: kinds.{kind} uses field '{t.field}' that [fields] does not define")
    return design


def design_dirs(extra: list[Path] | None = None) -> list[Path]:
    return [*(extra or []), templates_dir()]


def list_designs(extra: list[Path] | None = None) -> list[Design]:
    seen: dict[str, Design] = {}
    for folder in design_dirs(extra):
        for p in sorted(Path(folder).glob("*.toml")):
            d = load_design_file(p)
            seen.setdefault(d.id, d)
    return sorted(seen.values(), key=lambda d: d.id)


def load_design_file(path: Path) -> Design:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PosterGenError(f"design {path}: TOML syntax error: {exc}") from None
    except OSError as exc:
        raise PosterGenError(f"design {path}: cannot read it ({exc.strerror})") from None
    return parse_design(data, str(path))


def load_design(design_id: str, extra: list[Path] | None = None) -> Design:
    designs = list_designs(extra)
    for d in designs:
        if d.id == design_id:
            return d
    from poster_gen.suggest import unknown_choice

    raise PosterGenError(unknown_choice("design", design_id, [d.id for d in designs]))


_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def render_field(design: Design, field: str, context: dict) -> str:
    source = design.fields[field]
    try:
        return _ENV.from_string(source).render(**context)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        at = f" line {line}" if line else ""
        raise PosterGenError(
            f"design {Path(design.path).name}, field '{field}'{at}: {exc.message or exc}; fix the template"
        ) from None
