"""Bounds on reading a file a stranger sends, and the means to keep them.

Files reach ``check`` from strangers (over chat), so reading one is bounded:
its size, every stream's inflated size, the objects, pages and drawing
operations of a PDF, the chunks of a PNG have the limits below; reading a PDF
stops after ``MAX_PDF_SECONDS`` (a ``Budget`` the readers tick, and an
``Alarm`` that interrupts pypdf). Tests lower a limit by setting it on this
module: the readers look each one up here when they use it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import threading
import time
import zlib

TOL_MM = 0.1  # page boxes and claimed sizes agree within this
TOL_PX = 1  # rounding of mm to pixels

# Bounds on reading a file. poster-gen's own files are far inside them: a PDF is
# vector art of well under 1 MB (a few dozen objects, a few KB of drawing
# operators, no forms inside forms); a PNG is at most MAX_PIXELS, 8-bit RGB or
# palette, in 1 MB IDAT chunks. pypdf parses drawing operators at ~0.3 MB/s into
# ~70 bytes of objects per byte, twice (colours, then text): hence the small
# content bounds.
MB = 1_000_000
MAX_PDF_BYTES = 64 * MB  # a PDF is read whole into memory
MAX_PNG_BYTES = 2_000 * MB  # a PNG is read chunk by chunk
MAX_STREAM_BYTES = 64 * MB  # one PDF stream, inflated
MAX_PDF_INFLATED_BYTES = 256 * MB  # all streams of one PDF, inflated
MAX_PDF_OBJECTS = 100_000
MAX_PDF_PAGES = 100  # reading the page tree stops here (an artwork has one page)
MAX_PAGE_TREE_DEPTH = 32
MAX_FORM_DEPTH = 16  # forms drawn inside forms
MAX_CONTENT_BYTES = 2 * MB  # drawing operators parsed: the page's and each form's once (an outlined 7 m
# banner's page is about 0.2 MB; a long draft outlined about 0.3 MB)
MAX_DRAWING_OPS = 100_000  # operations drawn, a form counted each time it is drawn
MAX_COLOR_SPACE_DEPTH = 8  # colour spaces defined through others (Indexed, named)
MAX_FONT_MAP_BYTES = 1 * MB  # fonts' ToUnicode and CMap streams in all (poster-gen's: ~1 KB a font); pypdf needs ~25x
MAX_PDF_FILTERS = 4  # filters chained on one stream
MAX_PDF_SECONDS = 5.0  # reading one PDF, whatever pypdf does with it (poster-gen's take ~0.02 s)
MAX_PNG_CHUNKS = 400_000  # libpng's 8 KB IDAT chunks make ~250,000 for the largest file
MAX_PNG_TEXT_BYTES = 1 * MB  # metadata (tEXt, iTXt chunks) in all; an iTXt value inflated
MAX_MESSAGE_CHARS = 1_000
PIECE = 1 << 20  # read and inflate in pieces of this size

MAX_CONTENT_NESTING = 32  # arrays and dictionaries inside one another in a content stream
MAX_CONTENT_PROBLEMS = 3  # content problems reported for one PDF (each stream reports its first)


class Refused(Exception):
    """The PDF is beyond a bound or loops on itself: it fails with this one-line message."""


class TimeUp(BaseException):
    """Reading one PDF took longer than MAX_PDF_SECONDS.

    A BaseException, so no ``except Exception`` inside pypdf swallows it.
    """


class Budget:
    """What reading one PDF may still use: time, and bytes inflated from its streams."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + MAX_PDF_SECONDS
        self.inflated = 0
        self.sizes: dict[int, int] = {}  # stream object number -> bytes it decodes to

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise TimeUp


class Alarm:
    """Raise TimeUp in this thread after ``seconds``, even inside pypdf (POSIX, main thread only).

    Elsewhere only the budget's own checks stop the work. It fires once;
    ``cancel`` (safe to call twice) puts back the caller's handler and alarm.
    """

    def __init__(self, seconds: float) -> None:
        self.armed = self.installed = False
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            return
        self.started = time.monotonic()
        self.previous = signal.signal(signal.SIGALRM, self._fire)
        self.outer = signal.setitimer(signal.ITIMER_REAL, seconds)
        if 0 < self.outer[0] < seconds:  # the caller's alarm is due first: keep its time, handled after cancel
            signal.setitimer(signal.ITIMER_REAL, self.outer[0])
        self.armed = self.installed = True

    def _fire(self, signum, frame) -> None:
        if self.armed:
            self.armed = False
            raise TimeUp

    def cancel(self) -> None:
        self.armed = False
        if not self.installed:
            return
        self.installed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        left, interval = self.outer
        if left > 0:
            signal.setitimer(signal.ITIMER_REAL, max(left - (time.monotonic() - self.started), 0.001), interval)


def pypdf_bounds() -> contextlib.AbstractContextManager:
    """pypdf's own decoding limits set to ours (pypdf inflates cross-reference and object streams itself).

    Recent pypdf has a Configuration; older versions keep their built-in limits.
    """
    try:
        from pypdf import Configuration, apply_configuration
    except ImportError:
        return contextlib.nullcontext()
    wanted = {
        "zlib_maximum_output_length": MAX_STREAM_BYTES,
        "lzw_maximum_output_length": MAX_STREAM_BYTES,
        "run_length_maximum_output_length": MAX_STREAM_BYTES,
        "brotli_maximum_output_length": MAX_STREAM_BYTES,
        "jbig2_maximum_output_length": MAX_STREAM_BYTES,
        "array_based_stream_maximum_output_length": MAX_STREAM_BYTES,
        "maximum_declared_stream_length": MAX_PDF_BYTES,
        "stream_filters_maximum_length": MAX_PDF_FILTERS,
        "page_tree_maximum_entries": MAX_PDF_PAGES * 10,
        "page_tree_maximum_depth": MAX_PAGE_TREE_DEPTH,
        "xform_maximum_invocations_per_extraction": MAX_DRAWING_OPS,
    }
    known = {f.name for f in dataclasses.fields(Configuration)}
    return apply_configuration(**{k: v for k, v in wanted.items() if k in known})


class TooBig(Exception):
    """Inflating went past its limit."""


def inflate(data: bytes, limit: int, keep: int | bool) -> tuple[bytes, int, bool]:
    """Inflate zlib data in pieces: (the output, its size, whether the zlib stream ended).

    The output is kept up to ``keep`` bytes (True: all of it); past that it is
    dropped and b"" returned, only its size counted. Raises TooBig as soon as
    the output passes ``limit``, zlib.error when it is not zlib data.
    """
    keep = limit if keep is True else int(keep)
    d = zlib.decompressobj()
    out = bytearray()
    size = 0
    while True:
        piece = d.decompress(data, PIECE)
        size += len(piece)
        if size > limit:
            raise TooBig
        if keep:
            if size <= keep:
                out += piece
            else:
                keep = 0
                out = bytearray()
        data = d.unconsumed_tail
        if d.eof or (not data and len(piece) < PIECE):
            return bytes(out), size, d.eof
