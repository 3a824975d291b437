"""Typed errors. Each message says what went wrong *and what to do*.

The CLI turns them into one-line messages and these exit codes; the library
only raises them.
"""

from __future__ import annotations


class EvqaError(Exception):
    """Base class for every error evqa raises on purpose."""

    exit_code = 1


class InputError(EvqaError):
    """A bad question or option value."""

    exit_code = 2


class CorpusError(EvqaError):
    """The corpus cannot be read: missing path, empty folder, malformed JSONL..."""

    exit_code = 2


class ModelError(EvqaError):
    """The embedding model is missing, not a sentence-transformers folder, or has the
    wrong weights."""

    exit_code = 4


class IndexNotFoundError(EvqaError):
    exit_code = 3


class IndexStaleError(EvqaError):
    """The corpus or model changed since the index was built."""

    exit_code = 3


class IndexCorruptError(EvqaError):
    """An index file is missing, truncated or fails its checksum."""

    exit_code = 3


class IndexLockedError(EvqaError):
    """Another build holds the index lock."""

    exit_code = 5


class IndexWriteError(EvqaError):
    """The index folder cannot be written (read-only, disk full...)."""

    exit_code = 6


class BackendUnavailableError(IndexNotFoundError):
    """The index's backend (a Milvus server or milvus-lite file) cannot be reached."""

    exit_code = 3


class BackendAuthError(InputError):
    """The backend refused the credentials (EVQA_MILVUS_TOKEN)."""

    exit_code = 2


class SchemaMismatchError(IndexCorruptError):
    """A backend collection exists with another schema or vector dimension."""

    exit_code = 3
