"""The poster-gen command line: thin over the library.

Every command validates its input, calls the library and prints. Errors from
the library arrive as PosterGenError and leave as one line each and exit code 2;
every exit code is an ``errors.ExitCode`` and means one thing (see ``_EXIT_CODES``).

Every text it shows is in the user's language (poster_gen.i18n): ``--lang``,
then POSTER_GEN_LANG, then the computer's language. Help texts are written in
English, marked with N_(), and translated where click shows them (the
``_Localized`` commands below). click's own texts ("Usage:", "Options", its
parser errors) call ``gettext.gettext``: while a command runs, gettext's
global domain is ours and its language the chosen one, so click finds its
messages in our catalog (parts/cli.po).
"""

from __future__ import annotations

import gettext
import hashlib
import os
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click

from poster_gen import __version__
from poster_gen.errors import ExitCode, PosterGenError
from poster_gen.i18n import DOMAIN, ENV, LANGUAGES, LOCALE_DIR, N_, _, language, set_language

EXIT_BAD_INPUT = ExitCode.BAD_INPUT  # the older name; use ExitCode

# what each exit code means, as 'poster-gen --help' lists it
_EXIT_CODES = (
    (ExitCode.OK, N_("everything asked for was done")),
    (ExitCode.ARTWORK_PROBLEM, N_("done, but an artwork could not be made, a plan row was skipped, or a file failed "
                                  "preflight")),
    (ExitCode.BAD_INPUT, N_("stopped: bad input or options, or a problem to fix with a file, a folder or memory")),
    (ExitCode.INTERNAL, N_("internal error: a bug in poster-gen; please report it")),
    (ExitCode.INTERRUPTED, N_("interrupted (Ctrl-C); what was finished is recorded")),
)


class Context:
    def __init__(self, campaign_opt: str | None):
        self.campaign_opt = campaign_opt  # --campaign FILE, before or after the command
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
        """Searched before the packaged designs: --designs DIR, then templates/ next to the campaign file.

        The packaged designs folder is never one of them, even when the campaign file sits next to it
        (the packaged campaign, or a campaign kept in a source checkout): its designs are not the user's.
        """
        from poster_gen.resources import templates_dir

        dirs = [Path(self.designs_opt)] if self.designs_opt else []
        near = self.campaign_path.parent / "templates"
        if near.is_dir():
            dirs.append(near)
        return [d for d in dirs if not _same_folder(d, templates_dir())]

    def say_campaign(self) -> None:
        """Which campaign file is in use, on stderr (the listings, where a user looks first)."""
        from poster_gen.resources import default_campaign

        path = self.campaign_path
        if _same_file(path, default_campaign()):
            click.echo(_("campaign: {path} (the packaged example; use --campaign FILE, or put your slogans.toml "
                         "in the current folder)").format(path=path), err=True)
        else:
            click.echo(_("campaign: {path}").format(path=path), err=True)


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.is_dir() and b.is_dir() and os.path.samefile(a, b)
    except OSError:
        return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


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


# click's path types, made once and shared by every option: each one made asks gettext for its name
_FILE = click.Path(dir_okay=False)
_DIR = click.Path(file_okay=False)

_CAMPAIGN_HELP = N_("Campaign file (TOML). Default: slogans.toml in the current folder if there is one, else the "
                    "packaged Chi Lăng 2024 campaign.")

_campaign_option = click.option(
    "--campaign", "campaign_opt", metavar=N_("FILE"), expose_value=False, callback=_store("campaign_opt"),
    type=_FILE, help=_CAMPAIGN_HELP,
)

_designs_option = click.option(
    "--designs", "designs_opt", metavar=N_("DIR"), expose_value=False, callback=_store("designs_opt"),
    type=click.Path(exists=True, file_okay=False),
    help=N_("Your designs folder, searched before the packaged designs (default: templates/ next to the campaign "
            "file)."),
)


# ---- the user's language -------------------------------------------------------------------------


def _lang_in(args: list[str]) -> str | None:
    """The value of the last --lang on the command line, wherever it is: read before click parses
    anything, so that every message, the help of a command included, is in that language."""
    found = None
    it = iter(args)
    for a in it:
        if a == "--":
            break
        if a == "--lang":
            found = next(it, None)
        elif a.startswith("--lang="):
            found = a.partition("=")[2]
    return found


def _speak(lang: str) -> None:
    """Make LANG the language of this process: our messages, click's own, and worker processes'."""
    set_language(lang)
    os.environ[ENV] = lang  # batch workers (started afresh on Windows) choose the same language
    # click's texts are gettext.gettext(...) calls: they are looked up in gettext's global domain, in the
    # language of $LANGUAGE (Python's gettext reads it on every platform); English has no catalog.
    os.environ["LANGUAGE"] = lang
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)


@contextmanager
def _speaking(lang: str | None):
    """The chosen language while a command runs; the process's own settings restored after it."""
    saved_env = {k: os.environ.get(k) for k in (ENV, "LANGUAGE")}
    saved_domain, saved_lang = gettext.textdomain(), language()
    try:
        _speak(set_language(lang))
        yield
    finally:
        gettext.textdomain(saved_domain)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        set_language(saved_lang)


def _lang_callback(ctx, _param, value):
    if value:
        _speak(value)
    return value


def _lang_option() -> click.Option:
    return click.Option(
        ["--lang"], type=click.Choice(LANGUAGES), expose_value=False, is_eager=True, callback=_lang_callback,
        help=N_("Language of messages and help: vi (Vietnamese) or en (English). Default: the POSTER_GEN_LANG "
                "environment variable, else the computer's language."),
    )


@contextmanager
def _translated(obj, *attrs: str):
    """``obj``'s text attributes in the user's language for a moment (help texts are kept in English)."""
    saved = {a: getattr(obj, a, None) for a in attrs}
    try:
        for a, v in saved.items():
            if isinstance(v, str) and v:
                setattr(obj, a, _(v))
        yield obj
    finally:
        for a, v in saved.items():
            setattr(obj, a, v)


_HELP_OPTION_HELP = N_("Show this message and exit.")


class _Localized:
    """A click command whose help is shown in the user's language.

    ``help=N_("...")`` and every option's ``help`` and ``metavar`` stay the English source texts and are
    translated as they are shown; ``examples`` (command lines, never translated) are listed under a
    translated heading. Every command takes ``--lang``.
    """

    def __init__(self, *args, examples: tuple[str, ...] | list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.examples = tuple(examples)
        self.params.append(_lang_option())

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated(self, "help", "short_help"):
            return super().get_short_help_str(limit)

    def format_help_text(self, ctx, formatter) -> None:
        with _translated(self, "help"):
            super().format_help_text(ctx, formatter)
        if self.examples:
            with formatter.section(_("Examples")):
                for line in self.examples:
                    formatter.write(f"{'':>{formatter.current_indent}}{line}\n")

    def format_options(self, ctx, formatter) -> None:
        with ExitStack() as stack:
            for param in self.get_params(ctx):
                stack.enter_context(_translated(param, "help", "metavar"))
            super().format_options(ctx, formatter)

    def collect_usage_pieces(self, ctx) -> list[str]:
        fixed = {self.options_metavar, getattr(self, "subcommand_metavar", None)} - {None}
        return [_(p) if p in fixed else p for p in super().collect_usage_pieces(ctx)]

    def get_help_option(self, ctx):
        opt = super().get_help_option(ctx)
        if opt is not None:  # made once by click, in the language of that moment: in this one
            opt.help = _(_HELP_OPTION_HELP)
        return opt


class LocalizedCommand(_Localized, click.Command):
    pass


class LocalizedArgument(click.Argument):
    """An argument whose ``metavar=N_("...")`` is shown in the user's language (usage line, errors)."""

    def make_metavar(self, *args, **kwargs) -> str:
        with _translated(self, "metavar"):
            return super().make_metavar(*args, **kwargs)


def _echo_error(message: str, label: str = N_("poster-gen: error: {message}")) -> None:
    """An error on stderr, each of its lines an error line of its own."""
    for line in message.splitlines() or [""]:
        click.echo(_(label).format(message=line), err=True)


class FriendlyGroup(_Localized, click.Group):
    """Speaks the user's language, and turns library errors into one line each on stderr, never a traceback."""

    command_class = LocalizedCommand

    def main(self, args=None, prog_name=None, **extra):
        # --lang is read first, wherever it is, so that click's own messages and every command's help follow it
        with _speaking(_lang_in(sys.argv[1:] if args is None else list(args))):
            return super().main(args, prog_name, **extra)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PosterGenError as exc:
            interrupted = exc.exit_code == ExitCode.INTERRUPTED  # an interruption is not an error
            _echo_error(str(exc), N_("poster-gen: {message}") if interrupted else N_("poster-gen: error: {message}"))
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo(_("poster-gen: interrupted"), err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except RecursionError:
            _echo_error(_("an input is nested too deeply to read; check the files you gave"))
            ctx.exit(ExitCode.BAD_INPUT)
        except MemoryError:
            _echo_error(_("out of memory; choose a smaller size or lower --dpi, or close other programs"))
            ctx.exit(ExitCode.BAD_INPUT)
        except ModuleNotFoundError as exc:  # installed by hand, a dependency missing
            _echo_error(_(
                "the Python package '{name}' is missing; install poster-gen with its dependencies "
                "(python3 -m venv .venv && .venv/bin/pip install .), then run .venv/bin/poster-gen"
            ).format(name=exc.name))
            ctx.exit(ExitCode.BAD_INPUT)
        except Exception as exc:  # a bug: still one line, details on request
            if os.environ.get("POSTER_GEN_DEBUG"):
                raise
            click.echo(_(
                "poster-gen: internal error: {error}; run again with POSTER_GEN_DEBUG=1 for details and report it"
            ).format(error=f"{type(exc).__name__}: {exc}"), err=True)
            ctx.exit(ExitCode.INTERNAL)

    def format_epilog(self, ctx, formatter) -> None:
        """The exit codes, under the examples of 'poster-gen --help'."""
        super().format_epilog(ctx, formatter)
        with formatter.section(_("Exit codes")):
            formatter.write_dl([(str(int(code)), _(meaning)) for code, meaning in _EXIT_CODES])


def _print_table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def _date(d) -> str:
    """A date as the reader writes it: 2024-04-21, or 21/04/2024 in Vietnamese."""
    return _("{year}-{month:02d}-{day:02d}").format(year=d.year, month=d.month, day=d.day)


_COLOR_HELP = N_("PDF colour: rgb (default; what screens and most shops take) or cmyk (DeviceCMYK only).")
_MARKS_HELP = N_("PDF: trim marks and a slug line outside the bleed (the page grows 14 mm a side).")
_PDFX_HELP = N_("PDF/X-1a:2001 with a FOGRA39 output intent (implies --color cmyk; see README).")
_OUTLINE_HELP = N_("PDF: text converted to curves (filled outlines), no font in the file; the slogan's text stays "
                   "in the PDF's metadata.")
_JSON_HELP = N_("Machine-readable output.")
_OUT_HELP = N_("Output folder.")
_DESIGN_HELP = N_("Design id.")
_FORMAT_HELP = N_("File formats, separated by commas: pdf, png, tiff, jpg. tiff: CMYK (FOGRA39), LZW, with bleed, "
                  "for sign-shop RIPs; jpg: RGB sRGB, with bleed, up to 70 Mpx.")
_HEM_HELP = N_("Banner, pano or cờ phướn: MM of extra material beyond the finished size on every side, for sewing, "
               "eyelets or a pole pocket. The ground runs into it, text never; the sheet grows by 2 x MM, with fold "
               "marks at the finished edge.")
_TRUECOLOR_HELP = N_("PNG in full RGB colour (8 bits a channel) instead of an indexed palette; larger files.")


def _pdf_options(color: str | None, marks: bool, pdfx: bool, outline: bool = False):
    from poster_gen.pdf import PdfOptions

    if pdfx and color == "rgb":
        raise PosterGenError(_("--pdfx allows CMYK only; drop --color rgb or use --color cmyk"))
    opts = PdfOptions(color=color or ("cmyk" if pdfx else "rgb"), marks=marks, pdfx="x1a" if pdfx else "",
                      outline=outline)
    opts.validate()
    return opts


def _raster_options(truecolor: bool):
    """The PNG/TIFF/JPEG options; None (the defaults) keeps the raster writers unimported for a PDF-only run."""
    if not truecolor:
        return None
    from poster_gen.raster import RasterOptions

    return RasterOptions(png_truecolor=True)


def _split(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def _jobs_ok(jobs: int | None) -> None:
    if jobs is not None and jobs < 1:
        raise PosterGenError(_("-j {jobs}: give 1 or more worker processes").format(jobs=jobs))


def _version_callback(ctx, _param, value):
    if value and not ctx.resilient_parsing:
        click.echo(_("{prog}, version {version}").format(prog="poster-gen", version=__version__))
        ctx.exit()


@click.group(
    "poster-gen",
    cls=FriendlyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    help=N_("Print-ready Vietnamese campaign artwork: pano, áp phích, biểu ngữ, cờ phướn.\n\n"
            "The campaign (its slogans and units) is read from --campaign FILE; without it, from slogans.toml in "
            "the current folder; without that, the packaged Chi Lăng 2024 campaign is used. 'poster-gen slogans' "
            "shows which file is in use. --campaign and --lang may be given before or after the command."),
    examples=[
        "poster-gen slogans",
        "poster-gen render --unit xa-bang-mac --slogan 4 --size bieu-ngu-500x80 --out output",
        "poster-gen batch --out output",
        "poster-gen --lang en render --help",
    ],
)
@click.option("--campaign", "campaign_opt", metavar=N_("FILE"), type=_FILE, help=_CAMPAIGN_HELP)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version_callback,
              help=N_("Show the version and exit."))
@click.pass_context
def cli(ctx, campaign_opt):
    ctx.obj = Context(campaign_opt)


@cli.command(help=N_("List the approved slogans of the campaign."), examples=["poster-gen slogans --json"])
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
@_campaign_option
@click.pass_obj
def slogans(obj: Context, as_json):
    c = obj.campaign
    obj.say_campaign()
    if as_json:
        import json  # only for --json: not at start-up

        click.echo(json.dumps([{"id": s.id, "text": s.text} for s in c.slogans], ensure_ascii=False, indent=1))
        return
    click.echo(f"{c.name} ({_date(c.event_date)})")
    _print_table([[s.id, s.text] for s in c.slogans], [_("id"), _("slogan")])


@cli.command(help=N_("List the units (communes, agencies, organisations)."), examples=["poster-gen units"])
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
@_campaign_option
@click.pass_obj
def units(obj: Context, as_json):
    c = obj.campaign
    obj.say_campaign()
    if as_json:
        import json

        click.echo(
            json.dumps(
                [{"id": u.id, "name": u.name, "kind": u.kind, "code": u.code, "heading": u.display_heading} for u in c.units],
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    _print_table([[u.id, u.name, u.kind, u.code] for u in c.units], [_("id"), _("name"), _("kind"), _("code")])


@cli.command(help=N_("List the preset sizes per kind (any WIDTHxHEIGHT in mm also works)."),
             examples=["poster-gen sizes --json"])
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
def sizes(as_json):
    from poster_gen.sizes import PRESETS

    if as_json:
        import json

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
         f"{s.safe_mm:g}", f"{s.pocket_top_mm:g}" if s.pocket_top_mm else "", f"{s.viewing_m:g}", s.shown_label]
        for s in PRESETS.values()
    ]
    _print_table(rows, [_("id"), _("kind"), "mm", "dpi", _("bleed"), _("safe"), _("pocket"), _("view m"), _("label")])
    click.echo(_("* default for its kind. Any WIDTHxHEIGHT in mm is accepted too, e.g. --size 6000x900."))


@cli.command(
    help=N_("Render one artwork and print the paths written, one per line."),
    examples=[
        "poster-gen render --unit xa-bang-mac --slogan 4 --size bieu-ngu-500x80 --out output",
        'poster-gen render --unit tt-dong-mo --text "Chuyển đổi số vì nhân dân" --size 6000x900',
    ],
)
@click.option("--unit", "unit_id", required=True, metavar="ID", help=N_("Unit id (see 'poster-gen units')."))
@click.option("--slogan", "slogan_id", metavar="ID", help=N_("Approved slogan id (see 'poster-gen slogans')."))
@click.option("--text", metavar=N_("TEXT"), help=N_("A draft slogan not in the approved list."))
@click.option("--size", "size_spec", required=True, metavar="ID|WxH", help=N_("Preset id or WIDTHxHEIGHT in mm."))
@click.option("--design", "design_id", default="classic", show_default=True, metavar="ID", help=_DESIGN_HELP)
@click.option("--format", "fmt", default="pdf,png", show_default=True, metavar=N_("FORMAT"), help=_FORMAT_HELP)
@click.option("--dpi", type=int, metavar="DPI", help=N_("Resolution of PNG, TIFF and JPEG (default: the size's own)."))
@click.option("--png-truecolor", "truecolor", is_flag=True, help=_TRUECOLOR_HELP)
@click.option("--hem", "hem", type=float, default=None, metavar="MM", help=_HEM_HELP)
@click.option("--color", type=click.Choice(["rgb", "cmyk"]), default=None, help=_COLOR_HELP)
@click.option("--marks", is_flag=True, help=_MARKS_HELP)
@click.option("--outline", is_flag=True, help=_OUTLINE_HELP)
@click.option("--pdfx", is_flag=True, help=_PDFX_HELP)
@click.option("--out", "out", default="output", show_default=True, metavar=N_("DIR"), type=_DIR,
              help=_OUT_HELP)
@_designs_option
@_campaign_option
@click.pass_obj
def render(obj: Context, unit_id, slogan_id, text, size_spec, design_id, fmt, dpi, truecolor, hem, color, marks, outline, pdfx,
           out):
    from poster_gen.api import parse_formats, render_job, resolve_job

    if slogan_id and text is not None:
        raise PosterGenError(_("give either --slogan or --text, not both"))
    formats = parse_formats(fmt)
    pdf_opts = _pdf_options(color, marks, pdfx, outline)
    c = obj.campaign
    job = resolve_job(c, unit_id, slogan_id, size_spec, design_id, text=text, dpi=dpi, hem_mm=hem,
                      design_dirs=obj.design_dirs)
    res = render_job(c, job, Path(out), formats, pdf_opts, _raster_options(truecolor))
    for p in res.files.values():
        click.echo(str(p))
    leg = res.legibility
    if leg:
        click.echo(_("slogan: {lines}").format(lines=" / ".join(leg.lines)), err=True)
        # one line per text block, the slogan first; a shortfall is said once, on its own line
        for message in leg.messages():
            click.echo(_("legibility: {message}").format(message=message), err=True)
    for w in res.warnings:
        click.echo(_("warning: {message}").format(message=w), err=True)


@cli.command(
    help=N_("Render every unit x slogan x size (or a --plan), and write OUT/manifest.json.\n\n"
            "Re-runs are incremental: only artworks whose inputs changed are redone."),
    examples=[
        "poster-gen batch --out output",
        "poster-gen batch --units xa-bang-mac,tt-dong-mo --slogans 1,4 --sizes ap-phich-a1 --format pdf",
        "poster-gen batch --plan orders.csv -j 2",
        "poster-gen batch --shard 3/8 --out /shared/output   # then: poster-gen merge /shared/output",
    ],
)
@click.option("--out", "out", default="output", show_default=True, metavar=N_("DIR"), type=_DIR,
              help=_OUT_HELP)
@click.option("--plan", "plan", type=_FILE, metavar="CSV",
              help=N_("Orders file: columns unit,slogan,size[,design,copies]. Default: every unit x slogan."))
@click.option("--units", "units_opt", metavar="ID,ID", help=N_("Only these units (default: all)."))
@click.option("--slogans", "slogans_opt", metavar="ID,ID", help=N_("Only these slogans (default: all)."))
@click.option("--sizes", "sizes_opt", metavar="ID,ID",
              help=N_("Sizes (default: the default pano, áp phích and băng rôn sizes; add phuon-80x240 for cờ "
                      "phướn)."))
@click.option("--design", "design_id", default="classic", show_default=True, metavar="ID", help=_DESIGN_HELP)
@click.option("--format", "fmt", default="pdf,png", show_default=True, metavar=N_("FORMAT"), help=_FORMAT_HELP)
@click.option("--dpi", type=int, metavar="DPI",
              help=N_("Resolution of PNG, TIFF and JPEG for every size (default: each size's own)."))
@click.option("--png-truecolor", "truecolor", is_flag=True, help=_TRUECOLOR_HELP)
@click.option("--hem", "hem", type=float, default=None, metavar="MM", help=_HEM_HELP)
@click.option("-j", "--jobs", type=int, default=None, metavar="N", help=N_("Worker processes (default: all cores)."))
@click.option("--force", is_flag=True, help=N_("Render everything again, even what is up to date."))
@click.option("--shard", metavar="K/N", help=N_("Render only shard K of N of the plan (for spreading over machines)."))
@click.option("--color", type=click.Choice(["rgb", "cmyk"]), default=None, help=_COLOR_HELP)
@click.option("--marks", is_flag=True, help=_MARKS_HELP)
@click.option("--outline", is_flag=True, help=_OUTLINE_HELP)
@click.option("--pdfx", is_flag=True, help=_PDFX_HELP)
@click.option("--no-check", "no_check", is_flag=True,
              help=N_("Skip the preflight of the files as they are made."))
@click.option("--deep-check", "deep_check", is_flag=True,
              help=N_("Preflight every file as fully as 'poster-gen check' does (slower: the slogan is read back "
                      "from each PDF's page, each PNG's image is decoded); by default the batch makes the quick, "
                      "structural check."))
@click.option("--quiet", is_flag=True, help=N_("No progress output."))
@click.option("--proof", is_flag=True, expose_value=False, callback=_store("proof"),
              help=N_("Also write the proof sheet OUT/index.html (see 'poster-gen proof')."))
@_designs_option
@_campaign_option
@click.pass_obj
def batch(obj: Context, out, plan, units_opt, slogans_opt, sizes_opt, design_id, fmt, dpi, truecolor, hem, jobs, force, shard, color, marks,
          outline, pdfx, no_check, deep_check, quiet):
    from poster_gen.api import parse_formats
    from poster_gen.batch import parse_shard, plan_orders, run_batch
    from poster_gen.progress import Progress

    if no_check and deep_check:
        raise PosterGenError(_("give either --no-check or --deep-check, not both"))
    formats = parse_formats(fmt)
    pdf_opts = _pdf_options(color, marks, pdfx, outline)
    _jobs_ok(jobs)
    shard_kn = parse_shard(shard) if shard else None
    plan_ = plan_orders(
        obj.campaign, plan=Path(plan) if plan else None, units=_split(units_opt), slogans=_split(slogans_opt),
        sizes=_split(sizes_opt), design=design_id, design_dirs=obj.design_dirs, dpi=dpi, shard=shard_kn,
    )
    for p in plan_.problems:
        click.echo(_("poster-gen: skipped: {problem}").format(problem=p), err=True)
    tty = sys.stderr.isatty()
    bar = Progress(sys.stderr, tty=tty, quiet=quiet)

    def progress(done, total, order, err):
        bar(done, total, _order_label(order), err)

    report = run_batch(
        obj.campaign_path, plan_.orders, Path(out), formats, pdf_opts, jobs=jobs, dpi=dpi, progress=progress,
        force=force, shard=shard_kn, design_dirs=obj.design_dirs,
        check=False if no_check else ("full" if deep_check else "quick"),
        raster=_raster_options(truecolor), hem_mm=hem, plan_problems=plan_.problems, campaign=obj.campaign,
    )
    small = report.below_legibility
    if not quiet:
        click.echo(_batch_summary(report, len(report.plan_problems), len(small)), err=True)
        # the artworks that fall short, by the name of their files, one line each
        for e in sorted(small, key=lambda e: _artwork_name(e))[:_SHORT_LISTED]:
            click.echo(_("below the recommended capital height: {artwork}: {shortfall}").format(
                artwork=_artwork_name(e), shortfall=_shortfall(e)), err=True)
        if len(small) > _SHORT_LISTED:
            click.echo(_("below the recommended capital height: and {more} more (\"legible\": false in the manifest)")
                       .format(more=len(small) - _SHORT_LISTED), err=True)
    # each file was preflighted by the worker that made it, as it was made
    checks = report.checks
    if checks:
        from poster_gen.check import format_report, summary_line

        noteworthy = [r for r in checks if r.problems]
        if noteworthy:
            click.echo(format_report(noteworthy, summary=False), err=True)
        if not quiet:
            click.echo(_("preflight: {summary}").format(summary=summary_line(checks)), err=True)
    if obj.proof:
        _batch_proof(obj, Path(out), report, checks, jobs, quiet)
    if report.exit_code != ExitCode.OK:
        sys.exit(report.exit_code)


_SHORT_LISTED = 20  # the batch summary names this many artworks that fall short


def _order_label(order) -> str:
    """An order as the progress line and the failures name it."""
    return _("{unit} {size} slogan {slogan}").format(unit=order.unit, size=order.size, slogan=order.slogan)


def _batch_summary(report, bad_rows: int, small: int) -> str:
    line = _("made {made}, skipped {skipped} (up to date), failed {failed}").format(
        made=len(report.made), skipped=len(report.skipped), failed=len(report.failed))
    if bad_rows:
        line += _(", bad plan rows {rows}").format(rows=bad_rows)
    return line + _(", {small} below the recommended capital height; {seconds:.1f} s; manifest: {manifest}").format(
        small=small, seconds=report.seconds, manifest=report.manifest)


def _artwork_name(e) -> str:
    """An artwork (a ``records.ManifestEntry``) as its files are named, without extension:
    ``xa-bang-mac/phuon-80x240_4``."""
    return e.name


# the text blocks of an artwork, as the manifest names them
_FIELDS = {"slogan": N_("slogan"), "heading": N_("heading"), "occasion": N_("occasion"), "date": N_("date")}


def _shortfall(e) -> str:
    """What falls short in an artwork (a ``records.ManifestEntry``), in the figures the render command prints."""
    def g(v) -> str:
        return f"{v:g}" if isinstance(v, int | float) and not isinstance(v, bool) else str(v)

    def one(field, cap, required) -> str:
        name = _(_FIELDS[field]) if field in _FIELDS else str(field)
        return _("{field} capitals {cap} mm, below the {required} mm needed at {distance} m").format(
            field=name, cap=g(cap), required=g(required), distance=g(e.viewing_m))

    blocks = [b for b in e.blocks if isinstance(b, dict) and b.get("legible") is False]
    if blocks:
        return "; ".join(one(b.get("field"), b.get("cap_height_mm"), b.get("required_cap_mm")) for b in blocks)
    return one("slogan", e.cap_height_mm, e.required_cap_mm)


def _batch_proof(obj: Context, out: Path, report, checks, jobs, quiet) -> None:
    from poster_gen.proof import write_proof

    if Path(report.manifest).name != "manifest.json":
        click.echo(_("proof: this shard wrote its own manifest; run 'poster-gen merge' then 'poster-gen proof'"),
                   err=True)
        return
    failed = [(_("{unit} {size} slogan {slogan} ({design})").format(
        unit=o.unit, size=o.size, slogan=o.slogan, design=o.design), err) for o, err in report.failed]
    res = write_proof(out, obj.campaign_path, obj.design_dirs, checks=checks, failed=failed, jobs=jobs)
    if not quiet:
        click.echo(_("proof: {path}").format(path=res.index), err=True)


# ---- the campaign that made an output folder -------------------------------------------------------


def _sha256(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def _recorded_campaign(folder: Path) -> dict | None:
    """The campaign OUT/manifest.json says made the folder's files: {"path", "name", "sha256"}, or None."""
    try:
        from poster_gen.batch import manifest_campaign
    except ImportError:  # a manifest that records no campaign: as before, the campaign given or found
        return None
    try:
        rec = manifest_campaign(folder)
    except (PosterGenError, OSError, ValueError):  # a manifest it cannot read is reported by the command itself
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("path"), str) or not isinstance(rec.get("sha256"), str):
        return None
    return rec


def _output_folders(paths: list[str]) -> list[Path]:
    """The output folders (with a manifest.json) the given files or folders belong to."""
    found: list[Path] = []
    for p in map(Path, paths):
        start = p if p.is_dir() else p.parent
        for folder in (start, start.parent):  # OUT, OUT/<unit>, OUT/<unit>/<file>
            if (folder / "manifest.json").is_file():
                if not any(_same_folder(folder, f) for f in found):
                    found.append(folder)
                break
    return found


def _use_recorded_campaign(obj: Context, folders: list[Path]) -> None:
    """proof and check: the campaign that made the files, when --campaign is not given; a warning when the
    campaign given is not the one that made them."""
    records = {(r["path"], r["sha256"]): r for r in filter(None, map(_recorded_campaign, folders))}
    if len(records) != 1:  # none recorded, or files of several campaigns: the campaign given or found
        return
    (rec,) = records.values()
    made = Path(rec["path"])
    if obj.campaign_opt is None:
        if _sha256(made) == rec["sha256"]:
            if not _same_file(made, obj.campaign_path):  # said when it is not the campaign found anyway
                click.echo(_("using the campaign that made these files: {path}").format(path=made), err=True)
            obj.campaign_opt = str(made)
        else:
            click.echo(_("warning: the campaign that made these files, {path}, is missing or has changed since; "
                         "using {used}").format(path=made, used=obj.campaign_path), err=True)
        return
    given = Path(obj.campaign_opt)
    if given.is_file() and _sha256(given) != rec["sha256"]:
        click.echo(_("warning: these files were made with another campaign ({path}); using --campaign {given} as "
                     "asked").format(path=made, given=given), err=True)


@cli.command(
    help=N_("Preflight PDF and PNG files (or folders of them) written by poster-gen.\n\n"
            "PDF: page boxes match the size it claims, fonts embedded and subset, only the colour space asked "
            "for, its text is an approved slogan (drafts are flagged, not failed). PNG: complete, sRGB, pixel "
            "size = physical size at its dpi. Exit code 1 when any file fails, 2 when a file is missing.\n\n"
            "Without --campaign, the slogans are those of the campaign that made the files, as their "
            "manifest.json records it."),
    examples=[
        "poster-gen check output/xa-bang-mac/ap-phich-54x79_4.pdf",
        "poster-gen check output --color cmyk --json",
    ],
)
@click.argument("files", nargs=-1, required=True, cls=LocalizedArgument, metavar=N_("FILES..."), type=click.Path())
@click.option("--color", type=click.Choice(["rgb", "cmyk"]), default=None,
              help=N_("Require this colour mode (default: the mode each file says it was made in)."))
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
@_campaign_option
@click.pass_obj
def check(obj: Context, files, color, as_json):
    from poster_gen.check import check_files, collect_files, format_report, report_json

    _use_recorded_campaign(obj, _output_folders(list(files)))
    paths = collect_files(list(files))
    results = check_files(paths, obj.campaign, color)
    if as_json:
        import json

        click.echo(json.dumps(report_json(results), ensure_ascii=False, indent=1))
    else:
        click.echo(format_report(results))
    if any(not r.ok for r in results):
        sys.exit(ExitCode.ARTWORK_PROBLEM)


@cli.command(help=N_("Merge the shard manifests in OUT into OUT/manifest.json."), examples=["poster-gen merge output"])
@click.argument("out", type=_DIR)
def merge(out):
    from poster_gen.batch import merge_manifests

    path, n, count = merge_manifests(Path(out))
    click.echo(_("merged {shards} shard manifests, {count} artworks: {path}").format(shards=n, count=count, path=path))


@cli.command(
    help=N_("List the designs: yours (--designs DIR, templates/ next to the campaign) first, then the packaged ones."),
    examples=["poster-gen designs", "poster-gen designs --designs my-designs --json"],
)
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
@_designs_option
@_campaign_option
@click.pass_obj
def designs(obj: Context, as_json):
    from poster_gen.design import list_designs

    found = list_designs(obj.design_dirs)
    if as_json:
        import json

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
    yours = _("(yours)")
    _print_table(
        [[d.id, ", ".join(d.kinds), ("" if d.packaged else yours + " ") + d.description] for d in found],
        [_("id"), _("kinds"), _("description")],
    )


@cli.command(
    help=N_("Write the proof sheet of OUT/manifest.json: OUT/index.html (totals with copies, area and cost, "
            "problems first, then the units by province and kind) and a page per unit under OUT/_proof/u/ with "
            "each artwork's preview, lines, legibility, preflight result, copies, area and cost. Previews are "
            "made once and reused on a re-run.\n\n"
            "Without --campaign, the campaign that made the files is used, as the manifest records it."),
    examples=[
        "poster-gen batch --out output && poster-gen proof output",
        "poster-gen batch --out output --proof",
    ],
)
@click.argument("out", default="output", type=_DIR)
@click.option("-j", "--jobs", type=int, default=None, metavar="N",
              help=N_("Worker processes for the previews and the unit pages (default: all cores)."))
@click.option("--prices", "prices_file", metavar=N_("FILE"), type=_FILE,
              help=N_("Prices in a TOML file with a [prices] table, as 'poster-gen order --prices' reads it; "
                      "replaces the campaign's."))
@_designs_option
@_campaign_option
@click.pass_obj
def proof(obj: Context, out, jobs, prices_file):
    from poster_gen.proof import write_proof

    _jobs_ok(jobs)
    _use_recorded_campaign(obj, [Path(out)])
    prices = None
    if prices_file:
        from poster_gen.order import load_prices

        prices = load_prices(prices_file)
    res = write_proof(Path(out), obj.campaign_path, obj.design_dirs, jobs=jobs, prices=prices)
    click.echo(str(res.index))
    if res.preview_failures:
        click.echo(_("warning: {count} artworks have no preview; see the page").format(count=res.preview_failures),
                   err=True)


@cli.command(
    "init",
    help=N_("Write a complete, commented campaign file to edit: units from the official list, slogans from the "
            "memo."),
    examples=[
        'poster-gen init c.toml --province "Lạng Sơn" --occasion "Ngày Quốc khánh" --date 2026-09-02',
        'poster-gen init c.toml --province 20 --slogans-from cong-van.docx --lead-in "Chào mừng"',
        "poster-gen init ca-nuoc.toml --province all --force",
    ],
)
@click.argument("file", cls=LocalizedArgument, metavar=N_("FILE"), type=_FILE)
@click.option("--province", "provinces", multiple=True, metavar=N_("NAME|CODE|all"),
              help=N_("Every commune, ward and special zone of this province from the official list "
                      "(name with or without 'Tỉnh'/'Thành phố', any case, diacritics optional, or its code). "
                      "Repeat it for several provinces; 'all' for the whole country."))
@click.option("--occasion", metavar=N_("TEXT"), help=N_("The occasion's name as the memo writes it ([campaign] name)."))
@click.option("--date", "date_opt", metavar="YYYY-MM-DD", help=N_("The occasion's date (DD/MM/YYYY also accepted)."))
@click.option("--lead-in", "lead_in", metavar=N_("TEXT"),
              help=N_("The words printed before the occasion: 'Hưởng ứng', 'Chào mừng', 'Kỷ niệm' (default: "
                      "none)."))
@click.option("--issuer", metavar=N_("TEXT"), help=N_("Who runs the campaign, e.g. 'UBND tỉnh Lạng Sơn'."))
@click.option("--slogans-from", "slogans_from", metavar=N_("FILE"), type=_FILE,
              help=N_("A memo (.txt or .docx): its slogans in quotation marks “…”, verbatim, in order."))
@click.option("--force", is_flag=True, help=N_("Replace FILE if it exists."))
def init_campaign(file, provinces, occasion, date_opt, lead_in, issuer, slogans_from, force):
    from poster_gen.init import write_campaign

    res = write_campaign(
        file, force=force, provinces=provinces, occasion=occasion, date=date_opt, lead_in=lead_in, issuer=issuer,
        slogans_file=slogans_from,
    )
    memo = res.memo
    if memo is not None:
        how = (_(", read as {encoding}").format(encoding=memo.encoding)
               if memo.encoding not in ("UTF-8", "Word (.docx)") else "")
        click.echo(_("found {count} slogans in {source}{how} (check them against the memo; edit {file} to drop or "
                     "correct any):").format(count=len(memo.slogans), source=memo.source, how=how, file=file), err=True)
        for i, f in enumerate(memo.slogans, 1):
            click.echo(f"  {i}  {f.where}: {f.text}", err=True)
        for f in memo.others:
            click.echo(_("  not taken, {where} ({reason}): {text} (written commented out)").format(
                where=f.where, reason=f.reason, text=f.text[:120]), err=True)
        for note in memo.notes:
            click.echo(_("  note: {note}").format(note=note), err=True)
        stops = [str(i) for i, f in enumerate(memo.slogans, 1) if f.text.endswith(".") and not f.text.endswith("..")]
        if stops:
            click.echo(_("  note: slogan {ids} ends with a full stop inside the quotes; kept as written").format(
                ids=", ".join(stops)), err=True)
    for p in res.placeholders:
        click.echo(_("edit before printing: {what} is a placeholder marked SỬA").format(what=p), err=True)
    click.echo(res.summary())


@cli.command(
    help=N_("Write OUT/bundles/<unit>.zip for every unit of OUT/manifest.json, to send over Zalo or e-mail: the "
            "unit's print files, a small JPEG preview of each artwork (folder xem-truoc) and a note in Vietnamese "
            "(HUONG-DAN.txt) saying which file goes to the print shop, at what size, how many copies, with what "
            "bleed or hem.\n\n"
            "A re-run remakes only the bundles whose files changed; the same files give the same bytes. Without "
            "--campaign, the notes name the units as the campaign that made the files does."),
    examples=[
        "poster-gen batch --out output && poster-gen bundle output",
        "poster-gen bundle output --max-mb 10",
    ],
)
@click.argument("out", default="output", type=_DIR)
@click.option("--max-mb", "max_mb", type=float, default=None, metavar="N",
              help=N_("Warn about any bundle over N MB, naming what makes it large (default: 20, what e-mail "
                      "services take as attachments)."))
@click.option("-j", "--jobs", type=int, default=None, metavar="N",
              help=N_("Worker processes for the previews (default: all cores)."))
@click.option("--quiet", is_flag=True, help=N_("Only warnings and errors."))
@_designs_option
@_campaign_option
@click.pass_obj
def bundle(obj: Context, out, max_mb, jobs, quiet):
    from poster_gen.bundle import DEFAULT_MAX_MB, what_is_large, write_bundles

    _jobs_ok(jobs)
    _use_recorded_campaign(obj, [Path(out)])
    limit = DEFAULT_MAX_MB if max_mb is None else max_mb
    res = write_bundles(Path(out), obj.campaign_path, obj.design_dirs, max_mb=limit, jobs=jobs)
    if not quiet:
        for b in res.made:
            click.echo(_("made {path} ({size} MB)").format(path=b.path, size=f"{b.bytes / 1e6:.1f}"))
    for b in res.over:
        click.echo(_("warning: {path} is {size} MB, over --max-mb {limit}: {what}").format(
            path=b.path, size=f"{b.bytes / 1e6:.2f}", limit=f"{limit:g}", what=what_is_large(b)), err=True)
    for unit, why in res.failed:
        click.echo(_("bundle of {unit} not made: {reason}").format(unit=unit, reason=why), err=True)
    if not quiet:
        big = res.largest
        click.echo(_("bundles: {made} made, {kept} up to date, {removed} removed, {failed} failed; largest {name} "
                     "{size} MB; folder {folder}").format(
            made=len(res.made), kept=len(res.kept), removed=len(res.removed), failed=len(res.failed),
            name=big.path.name if big else "-", size=f"{big.bytes / 1e6:.1f}" if big else "0", folder=res.folder),
            err=True)
    if res.failed:
        sys.exit(ExitCode.ARTWORK_PROBLEM)


@cli.command(
    help=N_("Write the print order of OUT from its manifest: OUT/order.xlsx (a summary by kind and size, every "
            "artwork, the prices, a sheet per unit; totals as formulas), OUT/order.csv (the same rows for other "
            "programs) and OUT/order.pdf (an A4 order form to sign, in Vietnamese).\n\n"
            "Material area = the printed sheet (finished size plus hem and bleed on every side) x copies. Prices: "
            "the [prices] table of the campaign, or --prices FILE; without prices the money columns are left out.\n\n"
            "Without --campaign, the campaign that made the files is used, as the manifest records it."),
    examples=[
        "poster-gen batch --plan plan.csv --out output && poster-gen order output",
        'poster-gen order output --prices bang-gia.toml --place "Chi Lăng" --date 2025-08-20',
    ],
)
@click.argument("out", default="output", type=_DIR)
@click.option("--prices", "prices_file", metavar=N_("FILE"), type=_FILE,
              help=N_("Prices in a TOML file with a [prices] table, as in a campaign file (material = đồng per m², "
                      "size id = đồng per piece); replaces the campaign's."))
@click.option("--date", "date_opt", metavar="YYYY-MM-DD", help=N_("The date on the form (default: today)."))
@click.option("--place", default="", metavar=N_("TEXT"),
              help=N_("The place written before the date on the form, e.g. 'Chi Lăng' (default: dots to fill in)."))
@click.option("--force", is_flag=True, help=N_("Replace order files that were edited and saved since poster-gen "
                                               "wrote them."))
@_campaign_option
@click.pass_obj
def order(obj: Context, out, prices_file, date_opt, place, force):
    from poster_gen.init import parse_date
    from poster_gen.order import load_prices, write_order

    date = parse_date(date_opt) if date_opt else None
    prices = load_prices(prices_file) if prices_file else None
    _use_recorded_campaign(obj, [Path(out)])
    res = write_order(Path(out), obj.campaign, prices, date=date, place=place, force=force)
    for w in res.warnings:
        click.echo(_("warning: {message}").format(message=w), err=True)
    count, copies, area, amount = res.totals
    click.echo(_("order: artworks {count}, copies {copies}, material {area} m²{amount}").format(
        count=count, copies=copies, area=f"{area:.2f}".replace(".", "," if language() == "vi" else "."),
        amount=_(", amount {amount} đồng").format(amount=f"{amount:,}".replace(",", ".")) if amount is not None else ""))
    for p in res.files:
        click.echo(str(p))


def main(argv=None):
    """The program: runs one command and exits (click's standalone mode always ends in SystemExit)."""
    try:
        cli.main(args=argv, prog_name="poster-gen")
    except BrokenPipeError:  # output piped into head and closed
        sys.stderr.close()
        sys.exit(0)
    finally:
        # The process ends now. Python's shutdown would trace every object it holds (several
        # times, as it empties the modules) to find reference cycles, only to free memory the
        # system frees anyway: a tenth of a render's time. Frozen objects are left out of that;
        # every file was closed where it was written, and atexit handlers still run.
        import gc

        gc.freeze()


if __name__ == "__main__":
    main()
