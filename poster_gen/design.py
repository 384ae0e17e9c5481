"""Designs: readable TOML files describing regions, colours, fonts and jinja2
text fields per kind. Laying the text out is the engine's job (``compose``).

Where designs come from, first found wins:

1. the folders the user names (``--designs DIR``, a ``templates/`` folder next
   to the campaign file),
2. the packaged ``templates/``.

A design may say ``extends = "classic"`` and give only what it changes. The
parent is looked up in the same order, skipping the file itself, so a user's
own ``classic.toml`` can extend the packaged ``classic``. Merging rules:

- tables (``[fonts]``, ``[colors]``, ``[fields]``, ``[kinds.pano]`` ...) merge
  key by key, the child's value winning;
- text blocks (``[[kinds.K.text]]``) merge by their ``field``: a child block
  with the same field changes only the keys it gives, ``remove = true`` drops
  the block, a new field adds one;
- ``rect`` and ``frame`` lists are replaced whole when the child gives them.

A kind may carry ``[kinds.K.portrait]`` or ``[kinds.K.landscape]``: the same
keys, merged over the kind's layout (same rules) for sizes of that
orientation, e.g. the 2 x 3 m portrait pano.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from poster_gen import fieldexpr
from poster_gen.errors import PosterGenError
from poster_gen.i18n import _, language, ngettext
from poster_gen.limits import loads_toml, read_text_file
from poster_gen.resources import templates_dir
from poster_gen.scene import Color

# A design is a page of TOML; 1 MB is a thousand times the packaged ones.
MAX_DESIGN_BYTES = 1024 * 1024
MAX_LINES = 20  # max_lines of a text block

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
HEX = re.compile(r"^#?[0-9A-Fa-f]{6}$")
# Where a TOML text without escapes may set ``id`` to a slug (group 1): a key/value pair starts a
# line (after a byte-order mark at the start); the key is id, "id" or 'id'; the value a string of
# any of the four kinds, a multi-line one maybe starting with the line break that TOML drops.
# Anything this does not find cannot be such a pair (it may find more, e.g. inside a table).
_ID_PAIR = re.compile(
    rb"(?:^|\n)(?:\xef\xbb\xbf)?[ \t]*(?:id|\"id\"|'id')[ \t]*=[ \t]*"
    rb"(?:\"\"\"(?:\r?\n)?|'''(?:\r?\n)?|\"|')([a-z0-9-]*)"
)
ORIENTATIONS = ("portrait", "landscape")
SIDES = ("left", "right", "top", "bottom")

_TOP_KEYS = {"id", "name", "description", "extends", "fonts", "colors", "fields", "kinds"}
_KIND_KEYS = {"background", "frame", "rect", "text", *ORIENTATIONS}
_TEXT_KEYS = {
    "field", "region", "font", "color", "case", "max_lines", "align", "valign", "max_cap_frac", "legibility", "remove",
}
_RECT_KEYS = {"region", "color", "on", "to_edge"}
_FRAME_KEYS = {"inset", "width", "color"}
_COLOR_KEYS = {"rgb", "cmyk"}
DEFAULT_DESIGN = "classic"  # the design of a job or record that names none

_CHOICES = {
    "case": ("upper", "as-is"),
    "align": ("center", "left"),
    "valign": ("center", "top", "bottom"),
    "on": ("safe", "trim", "canvas"),
}


class Box(NamedTuple):
    """A region as fractions (x, y, w, h) of the safe area, or of the canvas."""

    x: float
    y: float
    w: float
    h: float


class RectSpec(NamedTuple):
    """A filled rectangle of a design's layout."""

    box: Box
    color: str
    on: str = "safe"  # safe | trim | canvas
    to_edge: tuple[str, ...] = ()  # sides stretched to the canvas edge (through any bleed)


class FrameSpec(NamedTuple):
    """A rule drawn round the safe area, inset from it."""

    inset: float  # fraction of the safe area's short side, from the safe edge (negative: outwards)
    width: float  # stroke width, fraction of the short side
    color: str


class TextSpec(NamedTuple):
    """A text block of a design's layout: which field, where, in which font, colour and case."""

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


class KindLayout(NamedTuple):
    """A design's layout for one kind: background, rectangles, frames and text blocks."""

    background: str
    rects: tuple[RectSpec, ...]
    frames: tuple[FrameSpec, ...]
    texts: tuple[TextSpec, ...]


@dataclass(frozen=True)
class Design:
    """A design, its parents merged in and every value checked."""

    id: str
    name: str
    description: str
    path: str
    fonts: dict
    colors: dict
    fields: dict
    kinds: dict  # kind id -> KindLayout
    variants: dict = field(default_factory=dict)  # (kind, "portrait"|"landscape") -> KindLayout
    extends: tuple[str, ...] = ()  # the chain of parents' paths, nearest first
    field_files: dict = field(default_factory=dict, compare=False)  # field -> path of the file that defines it

    def color(self, name: str) -> Color:
        return self.colors[name]

    def layout_for(self, kind: str, width_mm: float, height_mm: float) -> KindLayout:
        """The kind's layout, with its portrait/landscape variant applied."""
        orientation = "portrait" if height_mm > width_mm else "landscape"
        return self.variants.get((kind, orientation), self.kinds[kind])

    @property
    def packaged(self) -> bool:
        return Path(self.path).resolve().parent == templates_dir().resolve()


# ---- reading and merging raw TOML ------------------------------------------


class _Source(NamedTuple):
    """A design file as found: its id, and its TOML or why it cannot be read (internal)."""

    id: str
    path: Path
    data: dict | None  # None: unreadable (see error)
    error: str = ""


def _load(path: Path) -> tuple[dict | None, str]:
    """A design file's TOML, bounded in size and nesting, or why it cannot be read.

    The file is read every time; only the parsing is remembered, keyed by the file's bytes (a file
    rewritten within one tick of the clock, with the same length, is still read anew)."""
    try:
        raw = read_text_file(path, "design", MAX_DESIGN_BYTES)
    except PosterGenError as exc:  # too large, unreadable
        return None, str(exc)
    return _read(str(path), raw, language())


@lru_cache(maxsize=256)
def _read(path: str, raw: bytes, lang: str) -> tuple[dict | None, str]:
    """The TOML of a design file's bytes, or why it cannot be read (in the language ``lang``)."""
    p = Path(path)
    try:
        text = raw.decode("utf-8-sig")
        return loads_toml(text, _("design {path}").format(path=p)), ""
    except tomllib.TOMLDecodeError as exc:
        return None, _("design {path}: TOML syntax error: {detail}; fix the file at that line").format(
            path=p, detail=exc)
    except UnicodeDecodeError:
        return None, _("design {path}: not UTF-8 text; save the file as UTF-8").format(path=p)
    except PosterGenError as exc:  # nested too deeply
        return None, str(exc)


def _source(path: Path) -> _Source:
    try:
        path.stat()
    except OSError as exc:
        return _Source(path.stem, path, None,
                       _("design {path}: cannot read it ({reason})").format(path=path, reason=exc.strerror))
    data, err = _load(path)
    if data is None:
        return _Source(path.stem, path, None, err)
    did = data.get("id", path.stem)
    return _Source(did if isinstance(did, str) else path.stem, path, data)


def design_dirs(extra: list[Path] | None = None) -> list[Path]:
    """The folders searched, in order: the user's, then the packaged one."""
    out: list[Path] = []
    seen: set[Path] = set()
    for folder in [*(extra or []), templates_dir()]:
        key = Path(folder).resolve()
        if key not in seen:
            seen.add(key)
            out.append(Path(folder))
    return out


def _sources(extra: list[Path] | None) -> list[_Source]:
    out = []
    for folder in design_dirs(extra):
        for p in sorted(Path(folder).glob("*.toml")):
            out.append(_source(p))
    return out


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        old = base.get(key)
        if key == "text" and isinstance(value, list) and isinstance(old, list):
            out[key] = _merge_texts(old, value)
        elif isinstance(value, dict) and isinstance(old, dict):
            out[key] = _merge(old, value)
        else:
            out[key] = value
    return out


def _merge_texts(base: list, over: list) -> list:
    out = [dict(b) if isinstance(b, dict) else b for b in base]
    for block in over:
        if not isinstance(block, dict):
            out.append(block)
            continue
        for i, old in enumerate(out):
            if isinstance(old, dict) and old.get("field") == block.get("field"):
                out[i] = {**old, **block}
                break
        else:
            out.append(dict(block))
    return [b for b in out if not (isinstance(b, dict) and b.get("remove") is True)]


def _cascade_removals(merged: dict, own: dict) -> None:
    """A text block removed from a kind is removed from its portrait/landscape variants too."""
    kinds = own.get("kinds")
    if not isinstance(kinds, dict):
        return
    for kind, kraw in kinds.items():
        if not isinstance(kraw, dict) or not isinstance(kraw.get("text"), list):
            continue
        removed = {
            b["field"] for b in kraw["text"]
            if isinstance(b, dict) and b.get("remove") is True and isinstance(b.get("field"), str)
        }
        target = merged.get("kinds", {}).get(kind)
        if not removed or not isinstance(target, dict):
            continue
        for orient in ORIENTATIONS:
            var = target.get(orient)
            if isinstance(var, dict) and isinstance(var.get("text"), list):
                # a new table: ``var`` may be shared with a parent's cached file, which must not change
                target[orient] = {**var, "text": [b for b in var["text"]
                                                  if not (isinstance(b, dict) and b.get("field") in removed)]}


def _check_block_fields(src: _Source) -> None:
    """Text blocks merge by their field, so a field that is not a name is refused
    before merging (a block marked remove = true would otherwise vanish unseen)."""
    kinds = (src.data or {}).get("kinds")
    tables = []  # (where, table) of every kind and orientation variant
    for kind, kraw in kinds.items() if isinstance(kinds, dict) else ():
        if isinstance(kraw, dict):
            path = f"kinds.{kind}"  # a TOML table's name, the same in every language
            tables.append((path, kraw))
            tables += [(f"{path}.{o}", kraw[o]) for o in ORIENTATIONS if isinstance(kraw.get(o), dict)]
    for where, table in tables:
        blocks = table.get("text")
        for i, b in enumerate(blocks if isinstance(blocks, list) else (), 1):
            if isinstance(b, dict) and "field" in b and not isinstance(b["field"], str):
                raise PosterGenError(
                    _("design {path}: {where} text #{i}: field = {value} must be a field name in quotes, "
                      "e.g. \"slogan\"").format(path=src.path, where=where, i=i, value=_show(b["field"]))
                )


def _resolve_raw(src: _Source, sources: list[_Source]) -> tuple[dict, tuple[str, ...]]:
    """The file's data with its parents merged in, and the parents' paths."""
    chain = [src]
    data = src.data or {}
    while "extends" in data:
        parent_id = data["extends"]
        if not isinstance(parent_id, str):
            raise PosterGenError(
                _("design {path}: extends must be a design id in quotes, e.g. extends = \"classic\"").format(
                    path=chain[-1].path)
            )
        used = {c.path.resolve() for c in chain}
        parent = next((s for s in sources if s.id == parent_id and s.path.resolve() not in used), None)
        if parent is None:
            if any(s.id == parent_id for s in sources):
                raise PosterGenError(
                    _("design {path}: extends '{parent}' makes a loop; extend another design").format(
                        path=chain[-1].path, parent=parent_id)
                )
            from poster_gen.suggest import unknown_choice

            raise PosterGenError(_("design {path}: {problem}").format(
                path=chain[-1].path,
                problem=unknown_choice("design to extend", parent_id, sorted({s.id for s in sources}))))
        if parent.data is None:
            raise PosterGenError(parent.error)
        chain.append(parent)
        data = parent.data
    merged: dict = {}
    for s in reversed(chain):
        _check_block_fields(s)
        own = dict(s.data or {})
        own.pop("extends", None)
        merged = _merge(merged, own)
        _cascade_removals(merged, own)
    if len(chain) > 1:
        own = src.data or {}
        parent = chain[1]
        merged["name"] = own.get("name", src.id)
        parent_description = (parent.data or {}).get("description", "")
        merged["description"] = own.get(
            "description",
            _("based on '{parent}': {description}").format(parent=parent.id, description=parent_description)
            if parent_description else _("based on '{parent}'").format(parent=parent.id),
        )
    merged["id"] = src.id
    return merged, tuple(str(c.path) for c in chain[1:])


def _field_files(src: _Source, parents: tuple[str, ...], sources: list[_Source]) -> dict[str, str]:
    """For each field, the file that gives it: the nearest in the extends chain."""
    data_of = {str(s.path): s.data or {} for s in sources}
    data_of[str(src.path)] = src.data or {}
    out: dict[str, str] = {}
    for path in reversed((str(src.path), *parents)):
        fields = data_of.get(path, {}).get("fields")
        if isinstance(fields, dict):
            out.update({k: path for k in fields})
    return out


# ---- validating ------------------------------------------------------------
#
# Every value is checked for its type and range here, at load time, so that a
# NaN, an infinity or a list where a name belongs is one clear message naming
# the file and key, never a garbled PDF or a traceback later.


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _show(raw) -> str:
    """A value as the user wrote it, shortened for a message."""
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def _color(where: str, raw, problems: list[str]) -> Color | None:
    if not isinstance(raw, dict):
        problems.append(
            _("{where}: a colour is {{ rgb = \"#RRGGBB\", cmyk = [C, M, Y, K] }} with C, M, Y, K in percent (0-100)")
            .format(where=where)
        )
        return None
    _unknown(where, raw, _COLOR_KEYS, problems)
    rgb_raw, cmyk_raw = raw.get("rgb"), raw.get("cmyk")
    rgb: tuple[int, ...] | None = None
    if isinstance(rgb_raw, str) and HEX.match(rgb_raw):
        h = rgb_raw.lstrip("#")
        rgb = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
    elif (isinstance(rgb_raw, list) and len(rgb_raw) == 3
          and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in rgb_raw)):
        rgb = tuple(rgb_raw)
    if rgb is None:
        if "rgb" in raw:
            problems.append(_("{where}: rgb = {value}; give rgb = \"#RRGGBB\" (or [R, G, B], whole numbers 0-255)")
                            .format(where=where, value=_show(rgb_raw)))
        else:
            problems.append(_("{where}: no rgb; give rgb = \"#RRGGBB\" (or [R, G, B], whole numbers 0-255)")
                            .format(where=where))
    cmyk: tuple[float, ...] | None = None
    if isinstance(cmyk_raw, list) and len(cmyk_raw) == 4 and all(_is_number(v) and 0 <= v <= 100 for v in cmyk_raw):
        cmyk = tuple(float(v) for v in cmyk_raw)
    elif "cmyk" in raw:
        problems.append(_("{where}: cmyk = {value}; give cmyk = [C, M, Y, K], four numbers 0-100 (percent)")
                        .format(where=where, value=_show(cmyk_raw)))
    else:
        problems.append(_("{where}: no cmyk; give cmyk = [C, M, Y, K], four numbers 0-100 (percent)")
                        .format(where=where))
    if rgb is None or cmyk is None:
        return None
    return Color(rgb, tuple(v / 100.0 for v in cmyk))  # type: ignore[arg-type]


def _box(where: str, raw, problems: list[str], inside: bool) -> Box | None:
    """A region [x, y, w, h]: text inside the safe area (0..1); a rect may reach
    past it (x, y from -1 to 1, width and height up to 2) to run into the bleed."""
    if not (isinstance(raw, list) and len(raw) == 4 and all(_is_number(v) for v in raw)):
        if inside:
            problems.append(_("{where}: region = {value} must be [x, y, width, height], fractions 0-1 of the safe "
                              "area (four finite numbers)").format(where=where, value=_show(raw)))
        else:
            problems.append(_("{where}: region = {value} must be [x, y, width, height]: x and y from -1 to 1, width "
                              "and height above 0 up to 2 (four finite numbers)").format(where=where, value=_show(raw)))
        return None
    x, y, w, h = (float(v) for v in raw)
    eps = 1e-6
    if inside:
        ok = -eps <= x and -eps <= y and 0 < w and 0 < h and x + w <= 1 + eps and y + h <= 1 + eps
    else:
        ok = -1 - eps <= x <= 1 + eps and -1 - eps <= y <= 1 + eps and 0 < w <= 2 + eps and 0 < h <= 2 + eps
    if not ok:
        if w <= 0 or h <= 0:
            problems.append(_("{where}: region width and height must be positive").format(where=where))
        elif inside:
            problems.append(_("{where}: text region [{x:g}, {y:g}, {w:g}, {h:g}] must lie inside the safe area (0..1)")
                            .format(where=where, x=x, y=y, w=w, h=h))
        else:
            problems.append(_("{where}: region [{x:g}, {y:g}, {w:g}, {h:g}] must be [x, y, width, height]: x and y "
                              "from -1 to 1, width and height above 0 up to 2").format(where=where, x=x, y=y, w=w, h=h))
        return None
    return Box(x, y, w, h)


def _fraction(where: str, key: str, raw, lo: float, hi: float, problems: list[str], lo_open: bool = False) -> float | None:
    if not (_is_number(raw) and (raw > lo if lo_open else raw >= lo) and raw <= hi):
        message = (_("{where}: {key} = {value} must be a number above {lo:g} to {hi:g}") if lo_open
                   else _("{where}: {key} = {value} must be a number from {lo:g} to {hi:g}"))
        problems.append(message.format(where=where, key=key, value=_show(raw), lo=lo, hi=hi))
        return None
    return float(raw)


def _unknown(where: str, table: dict, allowed: set[str], problems: list[str]) -> None:
    for key in sorted(set(table) - allowed):
        problems.append(_("{where}: unknown key '{key}' (allowed: {allowed})").format(
            where=where, key=key, allowed=", ".join(sorted(allowed))))


def _choice(where: str, key: str, value, problems: list[str]) -> str:
    if not isinstance(value, str) or value not in _CHOICES[key]:
        problems.append(_("{where}: {key} = {value}; use one of {choices}").format(
            where=where, key=key, value=_show(value), choices=", ".join(_CHOICES[key])))
        return _CHOICES[key][0]
    return value


def _tables(where: str, raw: dict, key: str, example: str, problems: list[str]) -> list:
    """A list of tables (``[[kinds.K.text]]``, ``rect = [{...}]``); a wrong type is a problem."""
    value = raw.get(key, [])
    if not isinstance(value, list):
        problems.append(_("{where}: {key} = {value} must be a list of tables, e.g. {example}").format(
            where=where, key=key, value=_show(value), example=example))
        return []
    return value


def _layout(where: str, raw, d: dict, problems: list[str]) -> KindLayout | None:
    if not isinstance(raw, dict):
        problems.append(_("{where}: must be a table").format(where=where))
        return None
    _unknown(where, raw, _KIND_KEYS, problems)
    colors, fonts, fields = d["colors"], d["fonts"], d["fields"]

    def color_ref(w: str, name, key: str = "color") -> str:
        if not isinstance(name, str):
            problems.append(_("{where}: {key} = {value} must be the name of a colour in quotes, from [colors]").format(
                where=w, key=key, value=_show(name)))
        elif name not in colors:
            problems.append(_("{where}: colour '{name}' is not defined in [colors] (defined: {defined})").format(
                where=w, name=name, defined=", ".join(colors)))
        return str(name)

    texts, seen = [], set()
    for i, t in enumerate(_tables(where, raw, "text", _("[[kinds.pano.text]] with field = \"slogan\""), problems), 1):
        if not isinstance(t, dict) or "field" not in t:
            problems.append(_("{where} text #{i}: needs field = \"slogan\" (or a [fields] name) and region = "
                              "[x, y, w, h]").format(where=where, i=i))
            continue
        fname = t["field"]
        if not isinstance(fname, str):
            problems.append(_("{where} text #{i}: field = {value} must be a field name in quotes, e.g. \"slogan\"")
                            .format(where=where, i=i, value=_show(fname)))
            continue
        w = f"{where} text '{fname}'"
        _unknown(w, t, _TEXT_KEYS, problems)
        if fname in seen:
            problems.append(_("{where}: a field may appear once per kind").format(where=w))
        seen.add(fname)
        if fname != "slogan" and fname not in fields:
            if fields:
                problems.append(_("{where}: field '{name}' is not defined in [fields] (defined: {defined})").format(
                    where=w, name=fname, defined=", ".join(fields)))
            else:
                problems.append(_("{where}: field '{name}' is not defined in [fields] (defined: none)").format(
                    where=w, name=fname))
        if "region" not in t:
            problems.append(_("{where}: missing region = [x, y, width, height]").format(where=w))
            continue
        box = _box(w, t["region"], problems, inside=True)
        font = t.get("font", "body")
        if not isinstance(font, str):
            problems.append(_("{where}: font = {value} must be the name of a font in quotes, from [fonts]").format(
                where=w, value=_show(font)))
        elif font not in fonts:
            problems.append(_("{where}: font '{font}' is not defined in [fonts] (defined: {defined})").format(
                where=w, font=font, defined=", ".join(fonts)))
        max_lines = t.get("max_lines", 1)
        if not (isinstance(max_lines, int) and not isinstance(max_lines, bool) and 1 <= max_lines <= MAX_LINES):
            problems.append(_("{where}: max_lines = {value} must be a whole number from 1 to {max}").format(
                where=w, value=_show(max_lines), max=MAX_LINES))
            max_lines = 1
        cap = _fraction(w, "max_cap_frac", t.get("max_cap_frac", 0.0), 0.0, 1.5, problems)
        legibility = t.get("legibility", fname == "slogan")
        if not isinstance(legibility, bool):
            problems.append(_("{where}: {key} = {value} must be true or false").format(
                where=w, key="legibility", value=_show(legibility)))
        if not isinstance(t.get("remove", False), bool):
            problems.append(_("{where}: {key} = {value} must be true or false").format(
                where=w, key="remove", value=_show(t["remove"])))
        color = color_ref(w, t.get("color", "text"))
        case = _choice(w, "case", t.get("case", "upper"), problems)
        align = _choice(w, "align", t.get("align", "center"), problems)
        valign = _choice(w, "valign", t.get("valign", "center"), problems)
        if box is None or cap is None or not isinstance(font, str):
            continue
        texts.append(TextSpec(
            field=fname, box=box, font=font, color=color, case=case, max_lines=max_lines, align=align,
            valign=valign, max_cap_frac=cap, legibility=legibility is True,
        ))
    if "slogan" not in seen:
        problems.append(_("{where}: no text block with field = \"slogan\"").format(where=where))
    rects = []
    for i, r in enumerate(_tables(where, raw, "rect", "rect = [{ region = [0, 0, 1, 0.1], color = \"red\" }]", problems), 1):
        w = f"{where} rect #{i}"
        if not isinstance(r, dict) or "region" not in r or "color" not in r:
            problems.append(_("{where}: a rect is {{ region = [x, y, w, h], color = \"name\" }}").format(where=w))
            continue
        _unknown(w, r, _RECT_KEYS, problems)
        box = _box(w, r["region"], problems, inside=False)
        edges = r.get("to_edge", [])
        if isinstance(edges, str):
            edges = [edges]
        if not isinstance(edges, list) or not all(isinstance(e, str) and e in SIDES for e in edges):
            problems.append(_("{where}: to_edge = {value}; list sides from: {sides}").format(
                where=w, value=_show(edges), sides=", ".join(SIDES)))
            edges = []
        color = color_ref(w, r["color"])
        on = _choice(w, "on", r.get("on", "safe"), problems)
        if box is not None:
            rects.append(RectSpec(box, color, on, tuple(edges)))
    frames = []
    for i, f in enumerate(_tables(where, raw, "frame", "frame = [{ inset = 0.0, width = 0.01, color = \"gold\" }]", problems), 1):
        w = f"{where} frame #{i}"
        if not isinstance(f, dict) or "width" not in f or "color" not in f:
            problems.append(_("{where}: a frame is {{ inset = 0.0, width = 0.006, color = \"name\" }}").format(where=w))
            continue
        _unknown(w, f, _FRAME_KEYS, problems)
        # fractions of the safe area's short side
        inset = _fraction(w, "inset", f.get("inset", 0.0), -0.5, 0.5, problems)
        width = _fraction(w, "width", f["width"], 0.0, 0.5, problems, lo_open=True)
        color = color_ref(w, f["color"])
        if inset is not None and width is not None:
            frames.append(FrameSpec(inset, width, color))
    background = color_ref(f"{where} background", raw.get("background", "ground"), key="background")
    return KindLayout(background, tuple(rects), tuple(frames), tuple(texts))


def parse_design(data: dict, path: str, extends: tuple[str, ...] = (), field_files: dict | None = None) -> Design:
    """A design from its (merged) TOML data; every problem is reported at once.

    ``field_files``: for each field, the file that gives it (a parent's, for
    an inherited field), named in the field's errors.
    """
    from poster_gen.sizes import KINDS

    problems: list[str] = []
    _unknown(_("top level"), data, _TOP_KEYS, problems)
    did = data.get("id", Path(path).stem)
    if not isinstance(did, str) or not SLUG.match(did):
        problems.append(_("id {value} must be a short slug (a-z, 0-9, '-'), e.g. \"classic\"").format(value=_show(did)))
        did = str(did)
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            problems.append(_("{key} = {value} must be text in quotes").format(key=key, value=_show(data[key])))
    for key in ("fonts", "colors", "fields", "kinds"):
        if not isinstance(data.get(key, {}), dict):
            problems.append(_("{where}: must be a table").format(where=f"[{key}]"))
    raw_fonts = data.get("fonts") if isinstance(data.get("fonts"), dict) else {}
    fonts = {}
    for k, v in raw_fonts.items():
        if isinstance(v, str) and v.strip() and v.isprintable():
            fonts[k] = v
        else:
            problems.append(_("[fonts] {key} = {value} must be a font file name in quotes, e.g. "
                              "\"BeVietnamPro_700Bold.ttf\"").format(key=k, value=_show(v)))
    fields = dict(data.get("fields") or {}) if isinstance(data.get("fields"), dict) else {}
    colors = {}
    for k, v in (data.get("colors") or {}).items() if isinstance(data.get("colors"), dict) else ():
        c = _color(f"[colors.{k}]", v, problems)
        if c is not None:
            colors[k] = c
    for k, src in fields.items():
        origin = (field_files or {}).get(k, path)
        where = f"[fields] {k}" if origin == path else _("[fields] {name} (from {path})").format(name=k, path=origin)
        if not isinstance(src, str):
            problems.append(_("{where}: must be text in quotes (a jinja2 template)").format(where=where))
            continue
        if fieldexpr.parse(src) is not None:  # the small subset (fieldexpr.py): valid jinja2 as it stands
            continue
        from poster_gen import sandbox  # jinja2, only for the fields that need it

        try:
            sandbox.compile_field(src, where)
        except sandbox.SandboxError as exc:
            problems.append(str(exc))
    ctx = {"colors": colors, "fonts": fonts, "fields": fields}
    kinds, variants = {}, {}
    raw_kinds = data.get("kinds") if isinstance(data.get("kinds"), dict) else {}
    if not raw_kinds:
        problems.append(_("no layouts: add at least one [kinds.pano], [kinds.ap-phich], [kinds.bieu-ngu] or "
                          "[kinds.phuon] table"))
    for kind, raw in raw_kinds.items():
        if kind not in KINDS:
            from poster_gen.suggest import unknown_choice  # only on a mistake: difflib stays out of start-up

            problems.append(unknown_choice("kind", kind, list(KINDS), extra=_("in [kinds.KIND]")))
            continue
        lay = _layout(f"kinds.{kind}", raw, ctx, problems)
        if lay is None:
            continue
        kinds[kind] = lay
        for orient in ORIENTATIONS:
            if orient in raw:
                if not isinstance(raw[orient], dict):
                    problems.append(_("{where}: must be a table").format(where=f"kinds.{kind}.{orient}"))
                    continue
                base = {k: v for k, v in raw.items() if k not in ORIENTATIONS}
                var = _layout(f"kinds.{kind}.{orient}", _merge(base, raw[orient]), ctx, problems)
                if var is not None:
                    variants[(kind, orient)] = var
    if problems:
        problems = list(dict.fromkeys(problems))  # a kind's problem repeats in its variants
        if len(problems) == 1:
            raise PosterGenError(_("design {path}: {problem}").format(path=path, problem=problems[0]))
        raise PosterGenError(_("design {path}: {n} problems: {problems}").format(
            path=path, n=len(problems), problems="; ".join(problems)))
    order = {k: i for i, k in enumerate(KINDS)}
    return Design(
        id=did,
        name=str(data.get("name", did)),
        description=str(data.get("description", "")),
        path=path,
        fonts=fonts,
        colors=colors,
        fields=fields,
        kinds=dict(sorted(kinds.items(), key=lambda kv: order[kv[0]])),
        variants=variants,
        extends=extends,
        field_files={k: (field_files or {}).get(k, path) for k in fields},
    )


# ---- finding designs ------------------------------------------------------


def _build(src: _Source, sources: list[_Source]) -> Design:
    if src.data is None:
        raise PosterGenError(src.error)
    data, parents = _resolve_raw(src, sources)
    return parse_design(data, str(src.path), parents, _field_files(src, parents, sources))


def list_designs(extra: list[Path] | None = None) -> list[Design]:
    """Every design found, by id; a user's design hides a packaged one of the same id."""
    sources = _sources(extra)
    seen: dict[str, Design] = {}
    for src in sources:
        if src.id in seen:
            continue
        seen[src.id] = _build(src, sources)
    return sorted(seen.values(), key=lambda d: d.id)


def load_design_file(path: Path, extra: list[Path] | None = None) -> Design:
    """One design file; its ``extends`` is looked up beside it, then as usual."""
    path = Path(path)
    src = _source(path)
    return _build(src, [src, *_sources([path.parent, *(extra or [])])])


def _first_with_id(design_id: str, extra: list[Path] | None) -> _Source | None:
    """The first design file whose id is ``design_id``, found without parsing the files before it
    that cannot have that id; None when that is not certain, or when the design extends another
    (``load_design`` then reads every file, as it must to find a parent).

    A file's id is its stem unless it says ``id = "..."``. A TOML text without a backslash has
    no escapes, so another file whose text has no ``id = "<design_id>"`` pair (``_ID_PAIR``)
    cannot be the design asked for: parsing it (milliseconds each) is skipped, also when it
    only names this design (``extends = "classic"``).
    """
    if not SLUG.match(design_id):
        return None
    key = design_id.encode()
    for folder in design_dirs(extra):
        for p in sorted(Path(folder).glob("*.toml")):
            if p.stem != design_id:
                try:
                    raw = read_text_file(p, "design", MAX_DESIGN_BYTES)
                except PosterGenError:
                    return None
                if b"\\" not in raw and key not in _ID_PAIR.findall(raw):
                    continue
            src = _source(p)
            if src.id == design_id:
                return src if src.data is None or "extends" not in src.data else None
    return None


def load_design(design_id: str, extra: list[Path] | None = None) -> Design:
    src = _first_with_id(design_id, extra)
    if src is not None:  # it extends nothing: no other file is needed
        return _build(src, [src])
    sources = _sources(extra)
    for src in sources:
        if src.id == design_id:
            return _build(src, sources)
    from poster_gen.suggest import unknown_choice

    broken = [s.error for s in sources if s.data is None]
    unknown = unknown_choice("design", design_id, sorted({s.id for s in sources}), extra=_("see 'poster-gen designs'"))
    if not broken:
        raise PosterGenError(unknown)
    raise PosterGenError(ngettext(
        "{problem}; and {n} design file could not be read: {first}",
        "{problem}; and {n} design files could not be read: {first}",
        len(broken),
    ).format(problem=unknown, n=len(broken), first=broken[0]))


def render_field(design: Design, field: str, context: dict) -> str:
    """A design field's text, rendered in the sandbox (see sandbox.py): an
    error names the file that gives the field, and the field.

    A field in the small subset of jinja2 that ``fieldexpr`` reads (the packaged
    designs' fields) is answered there when its answer is certain to be the
    sandbox's, without loading jinja2."""
    source = design.fields[field]
    parts = fieldexpr.parse(source)
    if parts is not None:
        text = fieldexpr.render(parts, context)
        if text is not None:
            return text
    from poster_gen import sandbox

    origin = design.field_files.get(field, design.path)
    where = _("design {path}, field '{field}'").format(path=origin, field=field)
    template = sandbox.compile_field(source, where)
    # an unknown name is answered with the names the field does see
    return sandbox.render(template, context, where, sandbox.FIELD_LIMITS, names_hint=", ".join(context))
