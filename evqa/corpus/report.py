"""The warnings of one corpus read, and the rule for bad input: raise, or skip it (or,
for a bad part of an item, ignore that part) with a warning. A read that ``collects``
notes every problem and raises them all at once (`Report.check`), so that one run names
every bad line of a file."""

from __future__ import annotations

from pathlib import Path

from evqa.corpus.decode import printable
from evqa.errors import CorpusError

SKIP_HINT = "fix it, or pass --skip-bad to skip it with a warning"
MAX_PROBLEMS_SHOWN = 20  # a corpus's problems listed in one error; the rest are counted


class Report:
    """Collects warnings; `bad` raises unless bad input is to be skipped (``collect``:
    notes it, for `check` to raise with every other one)."""

    def __init__(self, skip_bad: bool, *, collect: bool = False) -> None:
        self.skip_bad = skip_bad
        self.collect = collect
        self.warnings: list[str] = []
        self.problems: list[tuple[str, str]] = []  # (problem, its error message alone)

    def warn(self, message: str) -> None:
        self.warnings.append(printable(message))

    def bad(self, message: str, kept: str | None = None) -> None:
        """Raise, or with skip_bad warn that the item is skipped (``kept``: what stays
        instead, e.g. the first of two articles with one id)."""
        message = printable(message)
        if not self.skip_bad:
            then = f" ({kept} is then kept)" if kept else ""
            self._problem(message, f"{message}; {SKIP_HINT}{then}")
            return
        self.warnings.append(f"{message}; skipped" + (f", {kept} is kept" if kept else ""))

    def ignorable(self, message: str, *, instead: str, done: str) -> None:
        """Raise, or with skip_bad warn that a bad part of an item (a sidecar, a field) was
        left out and the item kept: ``instead`` says what --skip-bad does ("ignore it and
        index a.txt without it"), ``done`` what was done ("it was ignored ...")."""
        message = printable(message)
        if not self.skip_bad:
            self._problem(message, f"{message}; fix it, or pass --skip-bad to {instead}")
            return
        self.warnings.append(f"{message}; {done}")

    def _problem(self, problem: str, error: str) -> None:
        if not self.collect:
            raise CorpusError(error)
        self.problems.append((problem, error))

    def check(self, path: Path) -> None:
        """Raise the problems noted while reading ``path``, if any, in one CorpusError."""
        if self.problems:
            raise CorpusError(problems_message(path, self.problems))


def problems_message(
    path: Path, problems: list[tuple[str, str]], show: int = MAX_PROBLEMS_SHOWN
) -> str:
    """One problem's own error message; several listed one a line (the first ``show``,
    then how many more), so that one run names them all."""
    if len(problems) == 1:
        return problems[0][1]
    shown = [f"  {problem}" for problem, _ in problems[:show]]
    if len(problems) > show:
        shown.append(f"  and {len(problems) - show} more")
    head = (
        f"{path} has {len(problems)} problems; fix them, or pass --skip-bad to leave each "
        "out with a warning:"
    )
    return "\n".join([head, *shown])
