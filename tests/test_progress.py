"""The batch progress display: a bar with count, rate and ETA on a terminal,
plain lines every few seconds otherwise, nothing when quiet."""

from __future__ import annotations

import io

import pytest

from poster_gen import i18n
from poster_gen.progress import Progress


@pytest.fixture(autouse=True)
def english():
    """These tests read the English lines (test_cli_i18n.py reads the Vietnamese ones)."""
    before = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_terminal_bar_shows_count_rate_and_eta():
    out, clock = io.StringIO(), Clock()
    p = Progress(out, tty=True, clock=clock)
    clock.t = 10.0
    p(50, 200, "x")
    text = out.getvalue()
    assert text.startswith("\r\033[K[")
    assert "50/200" in text and "5.0/s" in text and "ETA 0:30" in text
    clock.t = 40.0
    p(200, 200, "x")
    assert out.getvalue().endswith("\n") and "200/200" in out.getvalue()


def test_plain_lines_are_rate_limited_and_failures_named():
    out, clock = io.StringIO(), Clock()
    p = Progress(out, tty=False, clock=clock, every_s=5.0)
    for i in range(1, 11):
        clock.t = i * 1.0
        p(i, 10, f"job {i}", "bad size" if i == 3 else None)
    lines = out.getvalue().splitlines()
    assert "failed: job 3: bad size" in lines
    progress_lines = [l for l in lines if l.startswith("[")]
    assert 2 <= len(progress_lines) <= 3  # first, about every 5 s, and the last
    assert progress_lines[-1].startswith("[" + "#" * 28 + "] 10/10") and "1 failed" in progress_lines[-1]
    assert "\r" not in out.getvalue()


def test_quiet_prints_only_failures():
    out = io.StringIO()
    p = Progress(out, tty=False, quiet=True)
    p(1, 2, "a")
    p(2, 2, "b", "broken")
    assert out.getvalue() == "failed: b: broken\n"
