"""Errors that reach the user as one clear line, and the exit codes of the command line.

The library raises these; only the command line turns them into exit codes.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a poster-gen command's exit status means: one thing each."""

    OK = 0  # everything asked for was done
    ARTWORK_PROBLEM = 1  # done, but an artwork could not be made (or a plan row was skipped) or a file failed preflight
    BAD_INPUT = 2  # nothing done: bad input or options, or a problem the user can fix (a file, a folder, memory)
    INTERNAL = 70  # a bug in poster-gen (EX_SOFTWARE of sysexits.h); please report it
    INTERRUPTED = 130  # stopped by Ctrl-C (128 + SIGINT); what was finished is recorded


class PosterGenError(Exception):
    """Bad input or an environment problem the user can fix.

    The message is one line: what is wrong, where, and what to do.
    """

    exit_code: ExitCode = ExitCode.BAD_INPUT


class CampaignError(PosterGenError):
    """The campaign file is unreadable or invalid (all problems listed).

    One problem per line, each naming the file and where in it; the command
    line prints each line as an error of its own.
    """

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = list(problems)
        super().__init__("\n".join(f"{path}: {p}" for p in self.problems))


class FontCoverageError(PosterGenError):
    """Text contains a character the font cannot draw."""


class LayoutError(PosterGenError):
    """Text cannot be set legibly in its region."""


class OutputError(PosterGenError):
    """An output file or folder cannot be written."""
