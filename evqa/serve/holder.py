"""One live Engine for a long-running server, following the index's generations.

A build swaps a new generation in by replacing ``CURRENT`` atomically. Before each
request the holder reads ``CURRENT`` (a few bytes); when it names another generation
than the loaded one, the request that noticed opens a new Engine while concurrent
requests get IndexSwappingError (HTTP 503, retry in a moment) instead of a half-read index.

A build never leaves ``CURRENT`` missing or pointing at a missing generation, so an index
whose ``CURRENT`` cannot be read, or whose new generation cannot be opened, is not being
swapped: it is gone or broken until someone rebuilds it, and every request says so with
the library's error (IndexNotFoundError, IndexCorruptError: HTTP 503 without Retry-After)
and what to run. A rebuild at the same place is picked up at the next request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from evqa import store
from evqa.errors import (
    EvqaError,
    IndexCorruptError,
    IndexNotFoundError,
    IndexStaleError,
)

if TYPE_CHECKING:
    from evqa.engine import Engine

Opener = Callable[..., "Engine"]  # Engine.open with its arguments bound; takes check_stale


class IndexSwappingError(EvqaError):
    """The index is being replaced by a new generation; retry in a moment."""

    exit_code = 3


class EngineHolder:
    def __init__(self, opener: Opener) -> None:
        self._open = opener
        self._lock = threading.Lock()
        # one attribute, replaced whole: a request never pairs one load's engine with
        # another's generation name
        self._loaded = self._load(check_stale=True)

    def get(self) -> Engine:
        """The engine for the live generation, reloading it first if a build moved it."""
        return self.current()[0]

    def current(self) -> tuple[Engine, str]:
        """``get()`` and the name of that engine's generation, from the same load."""
        loaded = self._loaded
        engine, name = loaded
        if self._live_generation(engine) == name:
            return loaded
        if not self._lock.acquire(blocking=False):
            raise IndexSwappingError(_swapping(engine.root))
        try:
            if self._loaded is loaded:  # nobody else reloaded it meanwhile
                # the new generation is what the user just built: serve it even if the
                # corpus has moved on since (staleness was checked when the server started)
                self._loaded = self._load(check_stale=False)
            return self._loaded
        except (IndexNotFoundError, IndexCorruptError, IndexStaleError) as e:
            raise _unusable(e) from None
        finally:
            self._lock.release()

    @property
    def generation(self) -> str:
        return self._loaded[1]

    def _load(self, check_stale: bool) -> tuple[Engine, str]:
        engine = self._open(check_stale=check_stale)
        name = engine.manifest.get("generation") or self._live_generation(engine)
        return engine, name

    @staticmethod
    def _live_generation(engine: Engine) -> str | None:
        try:
            return store.current_generation(engine.root).name
        except (IndexNotFoundError, IndexCorruptError) as e:
            raise _unusable(e) from None


def _swapping(root: Any) -> str:
    return f"the index at {root} is being swapped for a new generation; retry in a moment"


def _unusable(error: EvqaError) -> EvqaError:
    """The library's error (same type, same advice), saying that the server was running on
    that index and picks it up again once it is rebuilt: no restart needed."""
    return type(error)(
        f"the index this server answers from is gone or unusable: {error}. "
        "Once it is rebuilt there, the next request uses it (no restart needed)"
    )
