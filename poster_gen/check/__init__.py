"""Preflight: is a written file what it claims to be, and fit to print?

A file is checked by what it is (its first bytes, not its name), at one of
two levels (``check_file(..., level=)``):

- "quick", the structural check a batch runs on every file it writes: a PDF's
  structure, page boxes against the size it claims, fonts embedded and subset,
  every content stream's operators and their pairing, the colour spaces it
  paints in against the colour it claims, PDF/X keys, and the claims in its
  metadata; a PNG's chunks, colour tag, dpi and pixel size.
- "full", what ``poster-gen check`` runs: all of that, with every PDF read by
  pypdf as a second parser, the text its page shows compared with the approved
  slogan, and a PNG's image data inflated to its exact size.

A PDF that says ``document=order`` in its /Keywords is the order form, a
document of A4 pages and not an artwork: both levels check its pages, fonts,
content streams and colours, and there is no slogan (``DOCUMENT_KINDS``).

The modules split the work by what they check:

- ``files``: which files, their type, and ``check_file`` (the entry point)
- ``limits``: the bounds on reading a stranger's file, the time budget
- ``model``: ``Problem``, ``Code``, ``FileCheck``
- ``claims``: /Keywords and the other metadata claims, the slogan claim
- ``read_direct``, ``read_pypdf``, ``streams``, ``objects``: reading a PDF
- ``boxes``, ``fonts``, ``content``, ``color``, ``pdfx``, ``text``: a PDF's checks,
  put together in ``pdf``
- ``document``: the checks of a PDF that is a document (``document=`` in its
  /Keywords, such as the order form ``poster-gen order`` writes) and not an
  artwork: its pages' size, fonts, content and colours; no slogan
- ``png``, ``raster``: PNG, and the TIFF and JPEG files for sign-shop RIPs
- ``report``, ``fmt``: the readable and JSON reports, numbers in messages

The library returns ``FileCheck`` records; the command line only prints them.
"""

from __future__ import annotations

from poster_gen.check import limits, read_direct, read_pypdf
from poster_gen.check.claims import DRAFT_ID, parse_keywords
from poster_gen.check.document import DOCUMENT_KINDS
from poster_gen.check.files import LEVELS, check_file, check_files, collect_files
from poster_gen.check.model import WARNING, Code, FileCheck, Problem
from poster_gen.check.png import PNG_SIGNATURE, PngInfo, read_png
from poster_gen.check.report import format_report, report_json, summary_line

__all__ = [
    "DOCUMENT_KINDS", "DRAFT_ID", "LEVELS", "PNG_SIGNATURE", "WARNING", "Code", "FileCheck", "PngInfo", "Problem",
    "check_file", "check_files", "collect_files", "format_report", "limits", "parse_keywords", "read_direct",
    "read_png", "read_pypdf", "report_json", "summary_line",
]
