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

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from poster_gen.errors import PosterGenError
from poster_gen.resources import templates_dir
from poster_gen.scene import Color

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
HEX = re.compile(r"^#?[0-9A-Fa-f]{6}$")
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
_CHOICES = {
    "case": ("upper", "as-is"),
    "align": ("center", "left"),
    "valign": ("center", "top", "bottom"),
    "on": ("safe", "trim", "canvas"),
}


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
    to_edge: tuple[str, ...] = ()  # sides stretched to the canvas edge (through any bleed)


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
    variants: dict = field(default_factory=dict)  # (kind, "portrait"|"landscape") -> KindLayout
    extends: tuple[str, ...] = ()  # the chain of parents' paths, nearest first

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


@dataclass(frozen=True)
class _Source:
    id: str
    path: Path
    data: dict | None  # None: unreadable (see error)
    error: str = ""


@lru_cache(maxsize=256)
def _read(path: str, mtime_ns: int, size: int) -> tuple[dict | None, str]:
    p = Path(path)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8-sig")), ""
    except tomllib.TOMLDecodeError as exc:
        return None, f"design {p}: TOML syntax error: {exc}; fix the file at that line"
    except UnicodeDecodeError:
        return None, f"design {p}: not UTF-8 text; save the file as UTF-8"
    except OSError as exc:
        return None, f"design {p}: cannot read it ({exc.strerror})"


def _source(path: Path) -> _Source:
    try:
        st = path.stat()
    except OSError as exc:
        return _Source(path.stem, path, None, f"design {path}: cannot read it ({exc.strerror})")
    data, err = _read(str(path), st.st_mtime_ns, st.st_size)
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
        removed = {b.get("field") for b in kraw["text"] if isinstance(b, dict) and b.get("remove") is True}
        target = merged.get("kinds", {}).get(kind)
        if not removed or not isinstance(target, dict):
            continue
        for orient in ORIENTATIONS:
            var = target.get(orient)
            if isinstance(var, dict) and isinstance(var.get("text"), list):
                var["text"] = [b for b in var["text"] if not (isinstance(b, dict) and b.get("field") in removed)]


def _resolve_raw(src: _Source, sources: list[_Source]) -> tuple[dict, tuple[str, ...]]:
    """The file's data with its parents merged in, and the parents' paths."""
    chain = [src]
    data = src.data or {}
    while "extends" in data:
        parent_id = data["extends"]
        if not isinstance(parent_id, str):
            raise PosterGenError(f"design {chain[-1].path}: extends must be a design id in quotes, e.g. extends = \"classic\"")
        used = {c.path.resolve() for c in chain}
        parent = next((s for s in sources if s.id == parent_id and s.path.resolve() not in used), None)
        if parent is None:
            if any(s.id == parent_id for s in sources):
                raise PosterGenError(f"design {chain[-1].path}: extends '{parent_id}' makes a loop; extend another design")
            from poster_gen.suggest import unknown_choice

            raise PosterGenError(f"design {chain[-1].path}: " + unknown_choice("design to extend", parent_id, sorted({s.id for s in sources})))
        if parent.data is None:
            raise PosterGenError(parent.error)
        chain.append(parent)
        data = parent.data
    merged: dict = {}
    for s in reversed(chain):
        own = dict(s.data or {})
        own.pop("extends", None)
        merged = _merge(merged, own)
        _cascade_removals(merged, own)
    if len(chain) > 1:
        own = src.data or {}
        parent = chain[1]
        merged["name"] = own.get("name", src.id)
        merged["description"] = own.get(
            "description", f"based on '{parent.id}': {(parent.data or {}).get('description', '')}".rstrip(": ")
        )
    merged["id"] = src.id
    return merged, tuple(str(c.path) for c in chain[1:])


# ---- validating ------------------------------------------------------------


def _color(where: str, raw, problems: list[str]) -> Color | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a colour is {{ rgb = \"#RRGGBB\", cmyk = [C, M, Y, K] }}")
        return None
    _unknown(where, raw, _COLOR_KEYS, problems)
    try:
        rgb = raw["rgb"]
        if isinstance(rgb, str):
            if not HEX.match(rgb):
                raise ValueError
            h = rgb.lstrip("#")
            rgb = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
        rgb = tuple(int(v) for v in rgb)
        cmyk = tuple(float(v) for v in raw["cmyk"])
        if len(cmyk) != 4 or len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb) or not all(0 <= v <= 100 for v in cmyk):
            raise ValueError
    except (KeyError, ValueError, TypeError, IndexError):
        problems.append(f"{where}: a colour needs rgb = \"#RRGGBB\" and cmyk = [C, M, Y, K] in percent (0-100)")
        return None
    return Color(rgb, tuple(v / 100.0 for v in cmyk))  # type: ignore[arg-type]


def _box(where: str, raw, problems: list[str], inside: bool) -> Box | None:
    try:
        x, y, w, h = (float(v) for v in raw)
    except (TypeError, ValueError):
        problems.append(f"{where}: region must be [x, y, width, height] as fractions 0..1")
        return None
    if w <= 0 or h <= 0:
        problems.append(f"{where}: region width and height must be positive")
        return None
    if inside and (x < -1e-6 or y < -1e-6 or x + w > 1 + 1e-6 or y + h > 1 + 1e-6):
        problems.append(f"{where}: text region [{x:g}, {y:g}, {w:g}, {h:g}] must lie inside the safe area (0..1)")
    return Box(x, y, w, h)


def _unknown(where: str, table: dict, allowed: set[str], problems: list[str]) -> None:
    for key in sorted(set(table) - allowed):
        problems.append(f"{where}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")


def _choice(where: str, key: str, value, problems: list[str]) -> str:
    if value not in _CHOICES[key]:
        problems.append(f"{where}: {key} = {value!r}; use one of {', '.join(_CHOICES[key])}")
        return _CHOICES[key][0]
    return value


def _layout(where: str, raw, d: dict, problems: list[str]) -> KindLayout | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a table")
        return None
    _unknown(where, raw, _KIND_KEYS, problems)
    colors, fonts, fields = d["colors"], d["fonts"], d["fields"]

    def color_ref(w: str, name) -> str:
        if name not in colors:
            problems.append(f"{w}: colour '{name}' is not defined in [colors] (defined: {', '.join(colors)})")
        return str(name)

    texts, seen = [], set()
    for i, t in enumerate(raw.get("text", []), 1):
        if not isinstance(t, dict) or "field" not in t:
            problems.append(f"{where} text #{i}: needs field = \"slogan\" (or a [fields] name) and region = [x, y, w, h]")
            continue
        fname = t["field"]
        w = f"{where} text '{fname}'"
        _unknown(w, t, _TEXT_KEYS, problems)
        if fname in seen:
            problems.append(f"{w}: a field may appear once per kind")
        seen.add(fname)
        if fname != "slogan" and fname not in fields:
            problems.append(f"{w}: field '{fname}' is not defined in [fields] (defined: {', '.join(fields) or 'none'})")
        if "region" not in t:
            problems.append(f"{w}: missing region = [x, y, width, height]")
            continue
        box = _box(w, t["region"], problems, inside=True)
        font = t.get("font", "body")
        if font not in fonts:
            problems.append(f"{w}: font '{font}' is not defined in [fonts] (defined: {', '.join(fonts)})")
        try:
            max_lines = int(t.get("max_lines", 1))
            cap = float(t.get("max_cap_frac", 0.0))
            if max_lines < 1 or not (0.0 <= cap <= 1.5):
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"{w}: max_lines must be 1 or more and max_cap_frac between 0 and 1.5")
            max_lines, cap = 1, 0.0
        if box is None:
            continue
        texts.append(
            TextSpec(
                field=fname,
                box=box,
                font=font,
                color=color_ref(w, t.get("color", "text")),
                case=_choice(w, "case", t.get("case", "upper"), problems),
                max_lines=max_lines,
                align=_choice(w, "align", t.get("align", "center"), problems),
                valign=_choice(w, "valign", t.get("valign", "center"), problems),
                max_cap_frac=cap,
                legibility=bool(t.get("legibility", fname == "slogan")),
            )
        )
    if "slogan" not in seen:
        problems.append(f"{where}: no text block with field = \"slogan\"")
    rects = []
    for i, r in enumerate(raw.get("rect", []), 1):
        w = f"{where} rect #{i}"
        if not isinstance(r, dict) or "region" not in r or "color" not in r:
            problems.append(f"{w}: a rect is {{ region = [x, y, w, h], color = \"name\" }}")
            continue
        _unknown(w, r, _RECT_KEYS, problems)
        box = _box(w, r["region"], problems, inside=False)
        edges = r.get("to_edge", [])
        if isinstance(edges, str):
            edges = [edges]
        bad = [e for e in edges if e not in SIDES]
        if bad or not isinstance(edges, list):
            problems.append(f"{w}: to_edge lists sides: {', '.join(SIDES)}")
            edges = []
        if box is not None:
            rects.append(RectSpec(box, color_ref(w, r["color"]), _choice(w, "on", r.get("on", "safe"), problems), tuple(edges)))
    frames = []
    for i, f in enumerate(raw.get("frame", []), 1):
        w = f"{where} frame #{i}"
        if not isinstance(f, dict) or "width" not in f or "color" not in f:
            problems.append(f"{w}: a frame is {{ inset = 0.0, width = 0.006, color = \"name\" }}")
            continue
        _unknown(w, f, _FRAME_KEYS, problems)
        try:
            frames.append(FrameSpec(float(f.get("inset", 0.0)), float(f["width"]), color_ref(w, f["color"])))
        except (TypeError, ValueError):
            problems.append(f"{w}: inset and width are numbers (fractions of the short side)")
    return KindLayout(color_ref(f"{where} background", raw.get("background", "ground")), tuple(rects), tuple(frames), tuple(texts))


_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def parse_design(data: dict, path: str, extends: tuple[str, ...] = ()) -> Design:
    """A design from its (merged) TOML data; every problem is reported at once."""
    from poster_gen.sizes import KINDS
    from poster_gen.suggest import unknown_choice

    problems: list[str] = []
    _unknown("top level", data, _TOP_KEYS, problems)
    did = data.get("id", Path(path).stem)
    if not isinstance(did, str) or not SLUG.match(did):
        problems.append(f"id {did!r} must be a short slug (a-z, 0-9, '-'), e.g. \"classic\"")
        did = str(did)
    for key in ("fonts", "colors", "fields", "kinds"):
        if not isinstance(data.get(key, {}), dict):
            problems.append(f"[{key}] must be a table")
    fonts = {k: str(v) for k, v in (data.get("fonts") or {}).items()} if isinstance(data.get("fonts"), dict) else {}
    fields = dict(data.get("fields") or {}) if isinstance(data.get("fields"), dict) else {}
    colors = {}
    for k, v in (data.get("colors") or {}).items() if isinstance(data.get("colors"), dict) else ():
        c = _color(f"[colors.{k}]", v, problems)
        if c is not None:
            colors[k] = c
    for k, src in fields.items():
        if not isinstance(src, str):
            problems.append(f"[fields] {k}: must be text in quotes (a jinja2 template)")
            continue
        try:
            _ENV.parse(src)
        except TemplateSyntaxError as exc:
            problems.append(f"[fields] {k}: template error: {exc.message}")
    ctx = {"colors": colors, "fonts": fonts, "fields": fields}
    kinds, variants = {}, {}
    raw_kinds = data.get("kinds") if isinstance(data.get("kinds"), dict) else {}
    if not raw_kinds:
        problems.append("no layouts: add at least one [kinds.pano], [kinds.ap-phich] or [kinds.bieu-ngu] table")
    for kind, raw in raw_kinds.items():
        if kind not in KINDS:
            problems.append(unknown_choice("kind", kind, list(KINDS), extra="in [kinds.KIND]"))
            continue
        lay = _layout(f"kinds.{kind}", raw, ctx, problems)
        if lay is None:
            continue
        kinds[kind] = lay
        for orient in ORIENTATIONS:
            if orient in raw:
                if not isinstance(raw[orient], dict):
                    problems.append(f"kinds.{kind}.{orient}: must be a table")
                    continue
                base = {k: v for k, v in raw.items() if k not in ORIENTATIONS}
                var = _layout(f"kinds.{kind}.{orient}", _merge(base, raw[orient]), ctx, problems)
                if var is not None:
                    variants[(kind, orient)] = var
    if problems:
        head = f"design {path}"
        if len(problems) == 1:
            raise PosterGenError(f"{head}: {problems[0]}")
        raise PosterGenError(f"{head}: {len(problems)} problems: " + "; ".join(problems))
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
    )


# ---- finding designs ------------------------------------------------------


def _build(src: _Source, sources: list[_Source]) -> Design:
    if src.data is None:
        raise PosterGenError(src.error)
    data, parents = _resolve_raw(src, sources)
    return parse_design(data, str(src.path), parents)


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


def load_design(design_id: str, extra: list[Path] | None = None) -> Design:
    sources = _sources(extra)
    for src in sources:
        if src.id == design_id:
            return _build(src, sources)
    from poster_gen.suggest import unknown_choice

    broken = [s.error for s in sources if s.data is None]
    tail = f"; and {len(broken)} design file(s) could not be read: {broken[0]}" if broken else ""
    raise PosterGenError(
        unknown_choice("design", design_id, sorted({s.id for s in sources}), extra="see 'poster-gen designs'") + tail
    )


@lru_cache(maxsize=512)
def _compiled(source: str):
    """Compiling a template costs far more than rendering it: once per source."""
    return _ENV.from_string(source)


def render_field(design: Design, field: str, context: dict) -> str:
    source = design.fields[field]
    try:
        return _compiled(source).render(**context)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        at = f" line {line}" if line else ""
        raise PosterGenError(
            f"design {Path(design.path).name}, field '{field}'{at}: {exc.message or exc}; fix the template"
        ) from None
