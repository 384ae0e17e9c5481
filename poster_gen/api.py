"""The library's front door: resolve a job, compose it, write its files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from poster_gen.campaign import Campaign, Slogan, Unit
from poster_gen.compose import Artwork, Legibility, compose
from poster_gen.design import DEFAULT_DESIGN, Design, load_design
from poster_gen.errors import PosterGenError
from poster_gen.i18n import _
from poster_gen.output import inside, refuse_foreign
from poster_gen.pdf import PdfOptions, write_pdf
from poster_gen.sizes import PRESETS, Size, resolve_size, with_hem
from poster_gen.text import clean, legacy_problem

if TYPE_CHECKING:  # the raster writers (Pillow, NumPy) are imported only when a raster format is written
    from poster_gen.raster import RasterOptions

FORMATS = ("pdf", "png", "tiff", "jpg")
DEFAULT_FORMATS = ("pdf", "png")  # what --format gives when not set
FORMAT_ALIASES = {"tif": "tiff", "jpeg": "jpg"}  # the file extension is always the format's name
DRAFT_ID = "draft"


@dataclass(frozen=True)
class Job:
    """One artwork to make: a unit, a slogan (or a draft), a size and a design."""

    unit: Unit
    slogan: Slogan
    size: Size
    design: Design
    draft: bool = False

    @property
    def stem(self) -> str:
        """The file name without extension: one artwork, one name.

        ``<size>_<slogan>[_<design>]``: ids are slugs (a-z, 0-9, '-'), so '_'
        cannot occur inside a part and the name decodes back to exactly one
        (size, slogan, design). A free size is named with its kind and 'mm'
        (``bieu-ngu-500x80mm``) so that it never takes a preset's name
        (``bieu-ngu-500x80`` is 5 x 0.8 m). A draft (``render --text``) is
        ``<size>_draft``; "draft" is refused as a slogan id.
        """
        size = self.size.id if self.size.id in PRESETS else f"{self.size.kind}-{self.size.id}mm"
        parts = [size, DRAFT_ID if self.draft else self.slogan.id]
        if self.design.id != DEFAULT_DESIGN:
            parts.append(self.design.id)
        return "_".join(parts)

    def relpath(self, fmt: str) -> Path:
        return Path(self.unit.id) / f"{self.stem}.{fmt}"


@dataclass(frozen=True)
class Result:
    """What making a job gave: its files by format, the legibility of its text, and warnings."""

    job: Job
    files: dict = field(default_factory=dict)  # format -> Path
    legibility: Legibility | None = None
    warnings: tuple[str, ...] = ()


def parse_formats(spec: str) -> tuple[str, ...]:
    names = (f.strip().lower() for f in spec.split(",") if f.strip())
    fmts = tuple(dict.fromkeys(FORMAT_ALIASES.get(f, f) for f in names))
    if not fmts:
        raise PosterGenError(_("--format is empty; give one or more of pdf, png, tiff, jpg, e.g. pdf,png"))
    for f in fmts:
        if f not in FORMATS:
            from poster_gen.suggest import unknown_choice  # only on a mistake: difflib stays out of start-up

            raise PosterGenError(unknown_choice("format", f, list(FORMATS)))
    return fmts


def find_unit(campaign: Campaign, unit_id: str) -> Unit:
    try:
        return campaign.unit(unit_id)
    except KeyError:
        from poster_gen.suggest import unknown_choice

        raise PosterGenError(
            unknown_choice("unit", unit_id, [u.id for u in campaign.units], extra=_("see 'poster-gen units'"))
        ) from None


def find_slogan(campaign: Campaign, slogan_id: str) -> Slogan:
    try:
        return campaign.slogan(slogan_id)
    except KeyError:
        from poster_gen.suggest import unknown_choice

        raise PosterGenError(
            unknown_choice("slogan", slogan_id, [s.id for s in campaign.slogans], extra=_("see 'poster-gen slogans'"))
        ) from None


def draft_slogan(text: str) -> Slogan:
    from poster_gen.limits import MAX_SLOGAN_CHARS

    # the length is checked before any layout: setting a text grows faster than its length
    if len(text) > 4 * MAX_SLOGAN_CHARS + 100 or len(text := clean(text)) > MAX_SLOGAN_CHARS:
        raise PosterGenError(
            _("--text: {length} characters is over the {limit}-character limit for a slogan; shorten it").format(
                length=f"{len(text):,}", limit=MAX_SLOGAN_CHARS
            )
        )
    if not text:
        raise PosterGenError(_("--text is empty; give the slogan in quotes, e.g. --text \"Đổi mới sáng tạo\""))
    bad = next((ch for ch in text if "\ud800" <= ch <= "\udfff"), None)
    if bad is not None:  # bytes of the command line that were not UTF-8
        raise PosterGenError(
            _("--text: has bytes that are not UTF-8 ({code}); set the terminal to UTF-8 and type the slogan again").format(
                code=f"U+{ord(bad):04X}"
            )
        )
    legacy = legacy_problem(text)
    if legacy:
        raise PosterGenError(_("--text: {problem}").format(problem=legacy))
    return Slogan(id=DRAFT_ID, text=text)


def resolve_job(
    campaign: Campaign,
    unit_id: str,
    slogan_id: str | None,
    size_spec: str,
    design_id: str = DEFAULT_DESIGN,
    *,
    text: str | None = None,
    kind: str | None = None,
    dpi: int | None = None,
    hem_mm: float | None = None,
    design_dirs: list[Path] | None = None,
    designs: dict[str, Design] | None = None,
) -> Job:
    """The one place a job is made from its ids: render, batch and the proof sheet all come here.

    ``text`` makes a draft (a slogan not in the campaign) instead of ``slogan_id``. ``kind`` names the
    kind of a free WIDTHxHEIGHT size (as a manifest records it), ``dpi`` overrides the size's
    resolution and ``hem_mm`` adds sewing allowance (--hem). ``designs`` is the caller's cache of
    loaded designs, by id, for one run only: it must not outlive the run, since it does not know
    ``design_dirs`` or the files' content.
    """
    unit = find_unit(campaign, unit_id)
    if text is not None:
        slogan, draft = draft_slogan(text), True
    elif slogan_id is not None:
        slogan, draft = find_slogan(campaign, str(slogan_id)), False
    else:
        raise PosterGenError(_("give --slogan ID (see 'poster-gen slogans') or --text \"...\""))
    size = with_hem(resolve_size(size_spec, dpi, kind=kind), hem_mm)
    design_id = design_id or DEFAULT_DESIGN
    if designs is None:
        design = load_design(design_id, design_dirs)
    else:
        design = designs.get(design_id)
        if design is None:
            design = designs[design_id] = load_design(design_id, design_dirs)
    return Job(unit, slogan, size, design, draft)


def make_job(
    campaign: Campaign,
    unit_id: str,
    slogan_id: str | None,
    size_spec: str,
    design_id: str = DEFAULT_DESIGN,
    text: str | None = None,
    dpi: int | None = None,
    design_dirs: list[Path] | None = None,
    hem_mm: float | None = None,
) -> Job:
    """``resolve_job`` with positional options (kept for existing callers)."""
    return resolve_job(campaign, unit_id, slogan_id, size_spec, design_id, text=text, dpi=dpi, hem_mm=hem_mm,
                       design_dirs=design_dirs)


def compose_job(campaign: Campaign, job: Job) -> Artwork:
    return compose(campaign, job.unit, job.slogan, job.size, job.design)


def job_pdf_options(job: Job, path: Path, opts: PdfOptions) -> PdfOptions:
    """The PDF options for one file: with marks, a slug line naming unit, slogan, size and file."""
    if not opts.marks or opts.slug:
        return opts
    from dataclasses import replace

    from poster_gen import __version__
    from poster_gen.marks import slug_text

    s = job.size
    slug = slug_text(
        f"{job.unit.name} ({job.unit.id})", job.slogan.id, s.id, s.width_mm, s.height_mm, s.bleed_mm,
        Path(path).name, opts.color.upper() + (", PDF/X-1a" if opts.pdfx else ""), __version__, hem_mm=s.hem_mm,
    )
    return replace(opts, slug=slug)


def render_job(
    campaign: Campaign,
    job: Job,
    out_dir: Path,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    pdf_options: PdfOptions = PdfOptions(),
    raster_options: RasterOptions | None = None,
) -> Result:
    art = compose_job(campaign, job)
    files: dict[str, Path] = {}
    for fmt in formats:
        path = inside(out_dir, job.relpath(fmt))
        refuse_foreign(path)
        if fmt == "pdf":
            write_pdf(art.scene, path, job_pdf_options(job, path, pdf_options), fonts=art.fonts)
        else:  # png: the trim; tiff (CMYK), jpg: trim plus bleed, like the PDF's BleedBox
            from poster_gen.raster import RasterOptions, write_raster

            write_raster(fmt, art.scene, path, job.size, raster_options or RasterOptions())
        files[fmt] = path
    return Result(job=job, files=files, legibility=art.legibility, warnings=art.warnings)
