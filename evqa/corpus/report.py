"""The warnings of one corpus read, and the rule for bad input: raise, or skip it (or,
for a bad part of an item, ignore that part) with a warning."""

from __future__ import annotations

from evqa.corpus.decode import printable
from evqa.errors import CorpusError

SKIP_HINT = "fix it, or pass --skip-bad to skip it with a warning"


class Report:
    """Collects warnings; `bad` raises unless bad input is to be skipped."""

    def __init__(self, skip_bad: bool) -> None:
        self.skip_bad = skip_bad
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(printable(message))

    def bad(self, message: str, kept: str | None = None) -> None:
        """Raise, or with skip_bad warn that the item is skipped (``kept``: what stays
        instead, e.g. the first of two articles with one id)."""
        message = printable(message)
        if not self.skip_bad:
            then = f" ({kept} is then kept)" if kept else ""
            raise CorpusError(f"{message}; {SKIP_HINT}{then}")
        self.warnings.append(f"{message}; skipped" + (f", {kept} is kept" if kept else ""))

    def ignorable(self, message: str, *, instead: str, done: str) -> None:
        """Raise, or with skip_bad warn that a bad part of an item (a sidecar, a field) was
        left out and the item kept: ``instead`` says what --skip-bad does ("ignore it and
        index a.txt without it"), ``done`` what was done ("it was ignored ...")."""
        message = printable(message)
        if not self.skip_bad:
            raise CorpusError(f"{message}; fix it, or pass --skip-bad to {instead}")
        self.warnings.append(f"{message}; {done}")
