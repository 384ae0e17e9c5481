"""The poster-gen command line: thin over the library.

Every command validates its input, calls the library and prints. Errors from
the library arrive as PosterGenError and leave as one line and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from poster_gen import __version__
from poster_gen.errors import PosterGenError

EXIT_BAD_INPUT = 2


class Context:
    def __init__(self, campaign_opt: str | None):
        self.campaign_opt = campaign_opt
        self._campaign = None
        self.designs_opt: str | None = None  # --designs DIR
        self.proof = False  # batch --proof

    @property
    def campaign_path(self) -> Path:
        from poster_gen.campaign import find_campaign

        return find_campaign(self.campaign_opt)

    @property
    def campaign(self):
        if self._campaign is None:
            from poster_gen.campaign import load_campaign

            self._campaign = load_campaign(self.campaign_path)
        return self._campaign

    @property
    def design_dirs(self) -> list[Path]:
        """Searched before the packaged designs: --designs DIR, then templates/ next to the campaign file."""
        dirs = [Path(self.designs_opt)] if self.designs_opt else []
        near = self.campaign_path.parent / "templates"
        if near.is_dir():
            dirs.append(near)
        return dirs


def _store(name: str):
    """An option that sets an attribute of the shared Context (options every command may take)."""

    def callback(ctx, _param, value):
        obj = ctx.find_object(Context)
        if obj is None:
            obj = ctx.obj = Context(None)
        if value is not None:
            setattr(obj, name, value)
        return value

    return callback


_designs_option = click.option(
    "--designs", "designs_opt", metavar="DIR", expose_value=False, callback=_store("designs_opt"),
    type=click.Path(exists=True, file_okay=False),
    help="Your designs folder, searched before the packaged designs (default: templates/ next to the campaign file).",
)


class FriendlyGroup(click.Group):
    """Turns library errors into one line on stderr, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PosterGenError as exc:
            label = "" if exc.exit_code == 130 else "error: "  # an interruption is not an error
            click.echo(f"poster-gen: {label}{exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("poster-gen: interrupted", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except RecursionError:
            click.echo("poster-gen: error: an input is nested too deeply to read; check the files you gave", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except MemoryError:
            click.echo("poster-gen: error: out of memory; choose a smaller size or lower --dpi, or close other programs",
                       err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except ModuleNotFoundError as exc:  # installed by hand, a dependency missing
            click.echo(
                f"poster-gen: error: the Python package '{exc.name}' is missing; install poster-gen with its "
                "dependencies (python3 -m venv .venv && .venv/bin/pip install .), then run .venv/bin/poster-gen",
                err=True,
            )
            ctx.exit(EXIT_BAD_INPUT)
        except Exception as exc:  # a bug: still one line, details on request
            if os.environ.get("POSTER_GEN_DEBUG"):
                raise
            click.echo(
                f"poster-gen: internal error: {type(exc).__name__}: {exc}; "
                "run again with POSTER_GEN_DEBUG=1 for details and report it",
                err=True,
            )
            ctx.exit(1)


def _print_table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


_COLOR_HELP = "PDF colour: rgb (default; what screens and most shops take) or cmyk (DeviceCMYK only)."
_MARKS_HELP = "PDF: trim marks and a slug line outside the bleed (the page grows 14 mm a side)."
_PDFX_HELP = "PDF/X-1a:2001 with a FOGRA39 output intent (implies --color cmyk; see README)."


def _pdf_options(color: str | None, marks: bool, pdfx: bool):
    from poster_gen.pdf import PdfOptions

    if pdfx and color == "rgb":
        raise PosterGenError("--pdfx allows CMYK only; drop --color rgb or use --color cmyk")
    opts = PdfOptions(color=color or ("cmyk" if pdfx else "rgb"), marks=marks, pdfx="x1a" if pdfx else "")
    opts.validate()
    return opts


def _split(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--campaign",
    "campaign_opt",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Campaign file (TOML). Default: ./slogans.toml if present, else the packaged Chi Lăng 2024 campaign.",
)
@click.version_option(__version__, prog_name="poster-gen")
@click.pass_context
def cli(ctx, campaign_opt):
    """Print-ready Vietnamese campaign artwork: pano, áp phích, biểu ngữ.

    \b
    Examples:
      poster-gen slogans
      poster-gen render --unit xa-bang-mac --slogan 4 --size bieu-ngu-500x80 --out output
      poster-gen batch --out output
    """
    ctx.obj = Context(campaign_opt)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def slogans(obj: Context, as_json):
    """List the approved slogans of the campaign.

    \b
    Example:
      poster-gen slogans --json
    """
    c = obj.campaign
    if as_json:
        click.echo(json.dumps([{"id": s.id, "text": s.text} for s in c.slogans], ensure_ascii=False, indent=1))
        return
    click.echo(f"{c.name} ({c.event_date.isoformat()})")
    _print_table([[s.id, s.text] for s in c.slogans], ["id", "slogan"])


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def units(obj: Context, as_json):
    """List the units (communes, agencies, organisations).

    \b
    Example:
      poster-gen units
    """
    c = obj.campaign
    if as_json:
        click.echo(
            json.dumps(
                [{"id": u.id, "name": u.name, "kind": u.kind, "code": u.code, "heading": u.display_heading} for u in c.units],
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    _print_table([[u.id, u.name, u.kind, u.code] for u in c.units], ["id", "name", "kind", "code"])


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def sizes(as_json):
    """List the preset sizes per kind (any WIDTHxHEIGHT in mm also works).

    \b
    Example:
      poster-gen sizes --json
    """
    from poster_gen.sizes import PRESETS

    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": s.id, "kind": s.kind, "width_mm": s.width_mm, "height_mm": s.height_mm, "dpi": s.dpi,
                        "bleed_mm": s.bleed_mm, "safe_mm": s.safe_mm, "viewing_m": s.viewing_m,
                        "pocket_top_mm": s.pocket_top_mm, "pocket_bottom_mm": s.pocket_bottom_mm,
                        "min_cap_mm": s.min_cap_mm, "default": s.default, "label": s.label,
                    }
                    for s in PRESETS.values()
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    rows = [
        [s.id + (" *" if s.default else ""), s.kind, f"{s.width_mm:g} x {s.height_mm:g}", str(s.dpi), f"{s.bleed_mm:g}",
         f"{s.safe_mm:g}", f"{s.pocket_top_mm:g}" if s.pocket_top_mm else "", f"{s.viewing_m:g}", s.label]
        for s in PRESETS.values()
    ]
    _print_table(rows, ["id", "kind", "mm", "dpi", "bleed", "safe", "pocket", "view m", "label"])
    click.echo("* default for its kind. Any WIDTHxHEIGHT in mm is accepted too, e.g. --size 6000x900.")


@cli.command()
@click.option("--unit", "unit_id", required=True, metavar="ID", help="Unit id (see 'poster-gen units').")
@click.option("--slogan", "slogan_id", metavar="ID", help="Approved slogan id (see 'poster-gen slogans').")
@click.option("--text", metavar="TEXT", help="A draft slogan not in the approved list.")
@click.option("--size", "size_spec", required=True, metavar="ID|WxH", help="Preset id or WIDTHxHEIGHT in mm.")
@click.option("--design", "design_id", default="classic", show_default=True, metavar="ID", help="Design id.")
@click.option("--format", "fmt", default="pdf,png", show_default=True, help="pdf, png or pdf,png.")
@click.option("--dpi", type=int, help="PNG resolution (default: the size's own).")
@click.option("--color", type=click.Choice(["rgb", "cmyk"]), default=None, help=_COLOR_HELP)
@click.option("--marks", is_flag=True, help=_MARKS_HELP)
@click.option("--pdfx", is_flag=True, help=_PDFX_HELP)
@click.option("--out", "out", default="output", show_default=True, type=click.Path(file_okay=False), help="Output folder.")
@_designs_option
@click.pass_obj
def render(obj: Context, unit_id, slogan_id, text, size_spec, design_id, fmt, dpi, color, marks, pdfx, out):
    """Render one artwork and print the paths written, one per line.

    \b
    Examples:
      poster-gen render --unit xa-bang-mac --slogan 4 --size bieu-ngu-500x80 --out output
      poster-gen render --unit tt-dong-mo --text "Chuyển đổi số vì nhân dân" --size 6000x900
    """
    from poster_gen.api import make_job, parse_formats, render_job

    if slogan_id and text is not None:
        raise PosterGenError("give either --slogan or --text, not both")
    formats = parse_formats(fmt)
    pdf_opts = _pdf_options(color, marks, pdfx)
    c = obj.campaign
    job = make_job(c, unit_id, slogan_id, size_spec, design_id, text=text, dpi=dpi, design_dirs=obj.design_dirs)
    res = render_job(c, job, Path(out), formats, pdf_opts)
    for p in res.files.values():
        click.echo(str(p))
    leg = res.legibility
    if leg:
        click.echo(f"slogan: {' / '.join(leg.lines)}", err=True)
        # one line per text block, the slogan first; a shortfall is said once, on its own line
        for message in leg.messages():
            click.echo(f"legibility: {message}", err=True)
    for w in res.warnings:
        click.echo(f"warning: {w}", err=True)


@cli.command()
@click.option("--out", "out", default="output", show_default=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--plan", "plan", type=click.Path(dir_okay=False), metavar="CSV",
              help="Orders file: columns unit,slogan,size[,design,copies]. Default: every unit x slogan.")
@click.option("--units", "units_opt", metavar="ID,ID", help="Only these units (default: all).")
@click.option("--slogans", "slogans_opt", metavar="ID,ID", help="Only these slogans (default: all).")
@click.option("--sizes", "sizes_opt", metavar="ID,ID", help="Sizes (default: the default pano, áp phích and băng rôn sizes; add phuon-80x240 for cờ phướn).")
@click.option("--design", "design_id", default="classic", show_default=True, metavar="ID", help="Design id.")
@click.option("--format", "fmt", default="pdf,png", show_default=True, help="pdf, png or pdf,png.")
@click.option("--dpi", type=int, help="PNG resolution for every size (default: each size's own).")
@click.option("-j", "--jobs", type=int, default=None, help="Worker processes (default: all cores).")
@click.option("--force", is_flag=True, help="Render everything again, even what is up to date.")
@click.option("--shard", metavar="K/N", help="Render only shard K of N of the plan (for spreading over machines).")
@click.option("--color", type=click.Choice(["rgb", "cmyk"]), default=None, help=_COLOR_HELP)
@click.option("--marks", is_flag=True, help=_MARKS_HELP)
@click.option("--pdfx", is_flag=True, help=_PDFX_HELP)
@click.option("--no-check", "no_check", is_flag=True, help="Skip the preflight ('poster-gen check') of the files at the end.")
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.option("--proof", is_flag=True, expose_value=False, callback=_store("proof"),
              help="Also write the proof sheet OUT/index.html (see 'poster-gen proof').")
@_designs_option
@click.pass_obj
def batch(obj: Context, out, plan, units_opt, slogans_opt, sizes_opt, design_id, fmt, dpi, jobs, force, shard, color, marks,
          pdfx, no_check, quiet):
    """Render every unit x slogan x size (or a --plan), and write OUT/manifest.json.

    Re-runs are incremental: only artworks whose inputs changed are redone.

    \b
    Examples:
      poster-gen batch --out output
      poster-gen batch --units xa-bang-mac,tt-dong-mo --slogans 1,4 --sizes ap-phich-a1 --format pdf
      poster-gen batch --plan orders.csv -j 2
      poster-gen batch --shard 3/8 --out /shared/output   # then: poster-gen merge /shared/output
    """
    from poster_gen.api import parse_formats
    from poster_gen.batch import parse_shard, plan_all, read_plan, run_batch, select_shard
    from poster_gen.design import list_designs, load_design
    from poster_gen.progress import Progress

    formats = parse_formats(fmt)
    pdf_opts = _pdf_options(color, marks, pdfx)
    c = obj.campaign
    load_design(design_id, obj.design_dirs)
    if jobs is not None and jobs < 1:
        raise PosterGenError(f"-j {jobs}: give 1 or more worker processes")
    problems: list[str] = []
    if plan:
        if units_opt or slogans_opt or sizes_opt:
            raise PosterGenError("--plan already lists units, slogans and sizes; drop --units/--slogans/--sizes")
        orders, problems = read_plan(Path(plan), c, {d.id for d in list_designs(obj.design_dirs)}, design_id)
        for p in problems:
            click.echo(f"poster-gen: skipped: {p}", err=True)
    else:
        orders = plan_all(c, _split(units_opt), _split(slogans_opt), _split(sizes_opt), design_id)
    if dpi is not None:
        from poster_gen.sizes import resolve_size

        for o in {o.size for o in orders}:
            resolve_size(o, dpi)
    shard_kn = parse_shard(shard) if shard else None
    if shard_kn:
        orders = select_shard(orders, *shard_kn)
    tty = sys.stderr.isatty()
    bar = Progress(sys.stderr, tty=tty, quiet=quiet)

    def progress(done, total, order, err):
        bar(done, total, f"{order.unit} {order.size} slogan {order.slogan}", err)

    report = run_batch(
        obj.campaign_path, orders, Path(out), formats, pdf_opts, jobs=jobs, dpi=dpi, progress=progress, force=force,
        shard=shard_kn, design_dirs=obj.design_dirs, check=not no_check,
    )
    small = [e for e in report.entries if e.get("legible") is False]
    if not quiet:
        click.echo(
            f"made {len(report.made)}, skipped {len(report.skipped)} (up to date), failed {len(report.failed)}"
            + (f", bad plan rows {len(problems)}" if problems else "")
            + f", {len(small)} below the recommended capital height; {report.seconds:.1f} s; manifest: {report.manifest}",
            err=True,
        )
        # the artworks that fall short, by the name of their files, one line each
        for e in sorted(small, key=lambda e: _artwork_name(e))[:_SHORT_LISTED]:
            click.echo(f"below the recommended capital height: {_artwork_name(e)}: {_shortfall(e)}", err=True)
        if len(small) > _SHORT_LISTED:
            click.echo(
                f"below the recommended capital height: and {len(small) - _SHORT_LISTED} more "
                "(\"legible\": false in the manifest)",
                err=True,
            )
    # each file was preflighted by the worker that made it, as it was made
    checks = report.checks
    bad_files = sum(not r.ok for r in checks)
    if checks:
        from poster_gen.check import format_report, summary_line

        noteworthy = [r for r in checks if r.problems]
        if noteworthy:
            click.echo(format_report(noteworthy, summary=False), err=True)
        if not quiet:
            click.echo(f"preflight: {summary_line(checks)}", err=True)
    if obj.proof:
        _batch_proof(obj, Path(out), report, checks, jobs, quiet)
    if report.failed or problems or bad_files:
        sys.exit(1)


_SHORT_LISTED = 20  # the batch summary names this many artworks that fall short


def _artwork_name(e: dict) -> str:
    """An artwork as its files are named, without extension: ``xa-bang-mac/phuon-80x240_4``."""
    files = e.get("files") or {}
    rel = next(iter(files.values()), "") if isinstance(files, dict) else ""
    if rel:
        return rel.rsplit(".", 1)[0]
    return f"{e.get('unit')}/{e.get('size')}_{e.get('slogan')}"


def _shortfall(e: dict) -> str:
    """What falls short, in the figures the render command prints."""
    def g(v) -> str:
        return f"{v:g}" if isinstance(v, int | float) and not isinstance(v, bool) else str(v)

    at = g(e.get("viewing_m"))
    blocks = [b for b in e.get("blocks") or () if isinstance(b, dict) and b.get("legible") is False]
    if blocks:
        return "; ".join(
            f"{b.get('field')} capitals {g(b.get('cap_height_mm'))} mm, below the {g(b.get('required_cap_mm'))} mm "
            f"needed at {at} m" for b in blocks
        )
    return (f"slogan capitals {g(e.get('cap_height_mm'))} mm, below the {g(e.get('required_cap_mm'))} mm "
            f"needed at {at} m")


def _batch_proof(obj: Context, out: Path, report, checks, jobs, quiet) -> None:
    from poster_gen.proof import write_proof

    if Path(report.manifest).name != "manifest.json":
        click.echo("proof: this shard wrote its own manifest; run 'poster-gen merge' then 'poster-gen proof'", err=True)
        return
    failed = [(f"{o.unit} {o.size} slogan {o.slogan} ({o.design})", err) for o, err in report.failed]
    res = write_proof(out, obj.campaign_path, obj.design_dirs, checks=checks, failed=failed, jobs=jobs)
    if not quiet:
        click.echo(f"proof: {res.index}", err=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--color", type=click.Choice(["rgb", "cmyk"]), default=None,
              help="Require this colour mode (default: the mode each file says it was made in).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def check(obj: Context, files, color, as_json):
    """Preflight PDF and PNG files (or folders of them) written by poster-gen.

    PDF: page boxes match the size it claims, fonts embedded and subset, only
    the colour space asked for, its text is an approved slogan (drafts are
    flagged, not failed). PNG: complete, sRGB, pixel size = physical size at its
    dpi. Exit code 1 when any file fails, 2 when a file is missing.

    \b
    Examples:
      poster-gen check output/xa-bang-mac/ap-phich-54x79-4.pdf
      poster-gen check output --color cmyk --json
    """
    from poster_gen.check import check_files, collect_files, format_report, report_json

    paths = collect_files(list(files))
    results = check_files(paths, obj.campaign, color)
    if as_json:
        click.echo(json.dumps(report_json(results), ensure_ascii=False, indent=1))
    else:
        click.echo(format_report(results))
    if any(not r.ok for r in results):
        sys.exit(1)


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
def merge(out):
    """Merge the shard manifests in OUT into OUT/manifest.json.

    \b
    Example:
      poster-gen merge output
    """
    from poster_gen.batch import merge_manifests

    path, n, count = merge_manifests(Path(out))
    click.echo(f"merged {n} shard manifests, {count} artworks: {path}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_designs_option
@click.pass_obj
def designs(obj: Context, as_json):
    """List the designs: yours (--designs DIR, templates/ next to the campaign) first, then the packaged ones.

    \b
    Examples:
      poster-gen designs
      poster-gen designs --designs my-designs --json
    """
    from poster_gen.design import list_designs

    found = list_designs(obj.design_dirs)
    if as_json:
        click.echo(json.dumps(
            [
                {"id": d.id, "name": d.name, "kinds": list(d.kinds), "description": d.description, "path": d.path,
                 "packaged": d.packaged, "extends": list(d.extends)}
                for d in found
            ],
            ensure_ascii=False,
            indent=1,
        ))
        return
    _print_table(
        [[d.id, ", ".join(d.kinds), ("" if d.packaged else "(yours) ") + d.description] for d in found],
        ["id", "kinds", "description"],
    )


@cli.command()
@click.argument("out", default="output", type=click.Path(file_okay=False))
@click.option("-j", "--jobs", type=int, default=None, help="Worker processes for the previews (default: all cores).")
@_designs_option
@click.pass_obj
def proof(obj: Context, out, jobs):
    """Write OUT/index.html: every artwork of OUT/manifest.json as a small preview,
    grouped by unit, with its slogan, size, design, capital height and legibility,
    links to its PDF and PNG, and the preflight results when the manifest has them.

    \b
    Examples:
      poster-gen batch --out output && poster-gen proof output
      poster-gen batch --out output --proof
    """
    from poster_gen.proof import write_proof

    if jobs is not None and jobs < 1:
        raise PosterGenError(f"-j {jobs}: give 1 or more worker processes")
    res = write_proof(Path(out), obj.campaign_path, obj.design_dirs, jobs=jobs)
    click.echo(str(res.index))
    if res.preview_failures:
        click.echo(f"warning: {res.preview_failures} artworks have no preview; see the page", err=True)


@cli.command("init")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--province", "provinces", multiple=True, metavar="NAME|CODE|all",
              help="Every commune, ward and special zone of this province from the official list "
                   "(name with or without 'Tỉnh'/'Thành phố', any case, diacritics optional, or its code). "
                   "Repeat it for several provinces; 'all' for the whole country.")
@click.option("--occasion", metavar="TEXT", help="The occasion's name as the memo writes it ([campaign] name).")
@click.option("--date", "date_opt", metavar="YYYY-MM-DD", help="The occasion's date (DD/MM/YYYY also accepted).")
@click.option("--lead-in", "lead_in", metavar="TEXT",
              help="The words printed before the occasion: 'Hưởng ứng', 'Chào mừng', 'Kỷ niệm' (default: none).")
@click.option("--issuer", metavar="TEXT", help="Who runs the campaign, e.g. 'UBND tỉnh Lạng Sơn'.")
@click.option("--slogans-from", "slogans_from", metavar="FILE", type=click.Path(dir_okay=False),
              help="A memo (.txt or .docx): its slogans in quotation marks “…”, verbatim, in order.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def init_campaign(file, provinces, occasion, date_opt, lead_in, issuer, slogans_from, force):
    """Write a complete, commented campaign file to edit: units from the official list,
    slogans from the memo.

    \b
    Examples:
      poster-gen init c.toml --province "Lạng Sơn" --occasion "Ngày Quốc khánh" --date 2026-09-02
      poster-gen init c.toml --province 20 --slogans-from cong-van.docx --lead-in "Chào mừng"
      poster-gen init ca-nuoc.toml --province all --force
    """
    from poster_gen.init import write_campaign

    res = write_campaign(
        file, force=force, provinces=provinces, occasion=occasion, date=date_opt, lead_in=lead_in, issuer=issuer,
        slogans_file=slogans_from,
    )
    memo = res.memo
    if memo is not None:
        how = f", read as {memo.encoding}" if memo.encoding not in ("UTF-8", "Word (.docx)") else ""
        click.echo(f"found {len(memo.slogans)} slogans in {memo.source}{how} (check them against the memo; "
                   f"edit {file} to drop or correct any):", err=True)
        for i, f in enumerate(memo.slogans, 1):
            click.echo(f"  {i}  {f.where}: {f.text}", err=True)
        for f in memo.others:
            click.echo(f"  not taken, {f.where} ({f.reason}): {f.text[:120]} (written commented out)", err=True)
        for note in memo.notes:
            click.echo(f"  note: {note}", err=True)
        stops = [str(i) for i, f in enumerate(memo.slogans, 1) if f.text.endswith(".") and not f.text.endswith("..")]
        if stops:
            click.echo(f"  note: slogan {', '.join(stops)} ends with a full stop inside the quotes; kept as written",
                       err=True)
    for p in res.placeholders:
        click.echo(f"edit before printing: {p} is a placeholder marked SỬA", err=True)
    click.echo(res.summary())


def main(argv=None):
    try:
        cli.main(args=argv, prog_name="poster-gen")
    except BrokenPipeError:  # output piped into head and closed
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
