"""Start-up against the import floor, as whole processes.

    python benchmarks/startup.py [--runs N]

The floor is a process that only imports what any PDF render needs anyway
(reportlab's canvas, Pillow, uharfbuzz, click); the render is `poster-gen render`
of one banner as PDF. Both are medians of N runs after one warm-up each (which
also writes the bytecode caches, as an installed package has them), the floor's
and the render's runs taking turns, so that a machine busy with something else
slows both alike. The CPU time (user + system) of the same runs is shown too: it
is less disturbed by other work than the wall time. Target: render <= 1.6 x floor.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

FLOOR = "import reportlab.pdfgen.canvas, PIL.Image, uharfbuzz, click"
RENDER_ARGS = ["render", "--unit", "xa-bang-mac", "--slogan", "4", "--size", "bieu-ngu-500x80", "--format", "pdf"]
TARGET = 1.6


def run(cmd: list[str], env: dict, n: int) -> float:
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm-up
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def paired(cmds: list[list[str]], env: dict, n: int) -> list[tuple[float, float]]:
    """(median wall seconds, median CPU seconds) of each command, over ``n`` rounds in which
    every command runs once, in turn, after one warm-up each."""
    for cmd in cmds:
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall: list[list[float]] = [[] for _ in cmds]
    cpu: list[list[float]] = [[] for _ in cmds]
    for _ in range(n):
        for i, cmd in enumerate(cmds):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall[i].append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[i].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(wall, cpu)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=11)
    args = ap.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with bytecode caches, as installed
    env["POSTER_GEN_LANG"] = "en"
    with tempfile.TemporaryDirectory() as out:
        (floor, floor_cpu), (render, render_cpu) = paired(
            [[sys.executable, "-c", FLOOR], [sys.executable, "-m", "poster_gen", *RENDER_ARGS, "--out", out]],
            env, args.runs,
        )
    ratio = render / floor
    print(f"import floor ({FLOOR}): {floor:.3f} s (median of {args.runs})")
    print(f"poster-gen {' '.join(RENDER_ARGS)}: {render:.3f} s (median of {args.runs})")
    print(f"ratio render / floor: {ratio:.2f} (target <= {TARGET}) {'ok' if ratio <= TARGET else 'MISSED'}")
    print(f"CPU time: floor {floor_cpu:.3f} s, render {render_cpu:.3f} s, ratio {render_cpu / floor_cpu:.2f}")


if __name__ == "__main__":
    main()
