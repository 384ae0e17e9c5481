"""Errors that reach the user as one clear line.

The library raises these; only the command line turns them into exit codes.
"""

from __future__ import annotations


class PosterGenError(Exception):
    """Bad input or an environment problem the user can fix.

    The message is one line: what is wrong, where, and what to do.
    """

    exit_code = 2


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
