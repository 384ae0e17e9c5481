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


class FriendlyGroup(click.Group):
    """Turns library errors into one line on stderr, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PosterGenError as exc:
            click.echo(f"poster-gen: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("poster-gen: interrupted", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
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
         f"{s.safe_mm:g}", f"{s.viewing_m:g}", s.label]
        for s in PRESETS.values()
    ]
    _print_table(rows, ["id", "kind", "mm", "dpi", "bleed", "safe", "view m", "label"])
    click.echo("* default for its kind. Any WIDTHxHEIGHT in mm is accepted too, e.g. --size 6000x900.")


@cli.command()
@click.option("--unit", "unit_id", required=True, metavar="ID", help="Unit id (see 'poster-gen units').")
@click.option("--slogan", "slogan_id", metavar="ID", help="Approved slogan id (see 'poster-gen slogans').")
@click.option("--text", metavar="TEXT", help="A draft slogan not in the approved list.")
@click.option("--size", "size_spec", required=True, metavar="ID|WxH", help="Preset id or WIDTHxHEIGHT in mm.")
@click.option("--design", "design_id", default="classic", show_default=True, metavar="ID", help="Design id.")
@click.option("--format", "fmt", default="pdf,png", show_default=True, help="pdf, png or pdf,png.")
@click.option("--dpi", type=int, help="PNG resolution (default: the size's own).")
@click.option("--out", "out", default="output", show_default=True, type=click.Path(file_okay=False), help="Output folder.")
@click.pass_obj
def render(obj: Context, unit_id, slogan_id, text, size_spec, design_id, fmt, dpi, out):
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
    c = obj.campaign
    job = make_job(c, unit_id, slogan_id, size_spec, design_id, text=text, dpi=dpi)
    res = render_job(c, job, Path(out), formats)
    for p in res.files.values():
        click.echo(str(p))
    leg = res.legibility
    if leg:
        click.echo(f"slogan: {' / '.join(leg.lines)}", err=True)
        click.echo(f"legibility: {leg.describe()}", err=True)
    for w in res.warnings:
        click.echo(f"warning: {w}", err=True)


@cli.command()
@click.option("--out", "out", default="output", show_default=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--plan", "plan", type=click.Path(dir_okay=False), metavar="CSV",
              help="Orders file: columns unit,slogan,size[,design,copies]. Default: every unit x slogan.")
@click.option("--units", "units_opt", metavar="ID,ID", help="Only these units (default: all).")
@click.option("--slogans", "slogans_opt", metavar="ID,ID", help="Only these slogans (default: all).")
@click.option("--sizes", "sizes_opt", metavar="ID,ID", help="Sizes (default: each kind's default size).")
@click.option("--design", "design_id", default="classic", show_default=True, metavar="ID", help="Design id.")
@click.option("--format", "fmt", default="pdf,png", show_default=True, help="pdf, png or pdf,png.")
@click.option("--dpi", type=int, help="PNG resolution for every size (default: each size's own).")
@click.option("-j", "--jobs", type=int, default=None, help="Worker processes (default: all cores).")
@click.option("--force", is_flag=True, help="Render everything again, even what is up to date.")
@click.option("--shard", metavar="K/N", help="Render only shard K of N of the plan (for spreading over machines).")
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.pass_obj
def batch(obj: Context, out, plan, units_opt, slogans_opt, sizes_opt, design_id, fmt, dpi, jobs, force, shard, quiet):
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
    c = obj.campaign
    load_design(design_id)
    if jobs is not None and jobs < 1:
        raise PosterGenError(f"-j {jobs}: give 1 or more worker processes")
    problems: list[str] = []
    if plan:
        if units_opt or slogans_opt or sizes_opt:
            raise PosterGenError("--plan already lists units, slogans and sizes; drop --units/--slogans/--sizes")
        orders, problems = read_plan(Path(plan), c, {d.id for d in list_designs()}, design_id)
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
        obj.campaign_path, orders, Path(out), formats, jobs=jobs, dpi=dpi, progress=progress, force=force, shard=shard_kn
    )
    small = sum(1 for e in report.made if e["legible"] is False)
    if not quiet:
        click.echo(
            f"made {len(report.made)}, skipped {len(report.skipped)} (up to date), failed {len(report.failed)}"
            + (f", bad plan rows {len(problems)}" if problems else "")
            + f", {small} below the recommended capital height; {report.seconds:.1f} s; manifest: {report.manifest}",
            err=True,
        )
    if report.failed or problems:
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


def main(argv=None):
    try:
        cli.main(args=argv, prog_name="poster-gen")
    except BrokenPipeError:  # output piped into head and closed
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
