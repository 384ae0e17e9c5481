"""Progress for long batches: a live bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from typing import Callable, TextIO

from poster_gen.i18n import _


def _fmt_eta(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Call with (done, total, label, error). Injected clock and stream for tests."""

    def __init__(self, stream: TextIO, tty: bool, quiet: bool = False, clock: Callable[[], float] = time.monotonic,
                 every_s: float = 5.0, width: int = 28):
        self.stream, self.tty, self.quiet, self.clock = stream, tty, quiet, clock
        self.every_s, self.width = every_s, width
        self.start = clock()
        self.last = -1e9
        self.failed = 0

    def line(self, done: int, total: int) -> str:
        elapsed = max(1e-9, self.clock() - self.start)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else 0.0
        frac = done / total if total else 1.0
        filled = int(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        line = _("{done}/{total} {rate:.1f}/s ETA {eta}").format(done=done, total=total, rate=rate, eta=_fmt_eta(eta))
        if self.failed:
            line += _(", {failed} failed").format(failed=self.failed)
        return f"[{bar}] {line}"

    def __call__(self, done: int, total: int, label: str = "", error: str | None = None) -> None:
        if error:
            self.failed += 1
            if self.tty and not self.quiet:
                self.stream.write("\r\033[K")
            self.stream.write(_("failed: {label}: {error}").format(label=label, error=error) + "\n")
        if self.quiet:
            return
        now = self.clock()
        if self.tty:
            self.stream.write("\r\033[K" + self.line(done, total))
            if done >= total:
                self.stream.write("\n")
        elif done >= total or now - self.last >= self.every_s:
            self.stream.write(self.line(done, total) + "\n")
            self.last = now
        self.stream.flush()
