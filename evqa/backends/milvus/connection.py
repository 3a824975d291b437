"""Connecting to Milvus: the lazy pymilvus import, the timeout, the client, and each
failure as an EvqaError whose message says what to do (never the token).

pymilvus is imported on first use only (``require_pymilvus``), so importing the backend
costs nothing for an index that does not use it; before that import gRPC's C core is told
to log nothing (``GRPC_VERBOSITY=NONE`` unless set: the library never prints, and its
errors say what failed). A token for a secured cluster is read from ``EVQA_MILVUS_TOKEN``
only.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from evqa import config
from evqa.backends.milvus.uris import check_uri, is_lite
from evqa.errors import (
    BackendAuthError,
    BackendUnavailableError,
    EvqaError,
    IndexCorruptError,
    IndexNotFoundError,
    IndexWriteError,
    InputError,
)

# milvus-lite's in-process server keeps gRPC's default ping policy, which answers
# pymilvus's 10 s keepalive pings on an idle connection with GOAWAY "too_many_pings" (and
# gRPC logs it on stderr): a client of a lite file sends none, as gRPC clients by default
LITE_GRPC_OPTIONS = {
    "grpc.keepalive_time_ms": 2**31 - 1,  # INT_MAX: keepalive off
    "grpc.keepalive_permit_without_calls": False,
}

_lite_locks: dict[str, threading.Lock] = {}  # lite file (absolute path) -> its lock
_lite_locks_guard = threading.Lock()


def require_pymilvus():
    """The pymilvus module, or EvqaError saying which extra to install. gRPC's C core
    logs nothing unless GRPC_VERBOSITY says otherwise (it reads it when first imported)."""
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    try:
        import pymilvus
    except ModuleNotFoundError:
        raise EvqaError(
            "the Milvus backend needs the milvus extra: pip install -e '.[milvus]'"
        ) from None
    return pymilvus


def timeout_seconds() -> float:
    """EVQA_MILVUS_TIMEOUT (default 10), or InputError for a value that is not a time."""
    raw = config.resolve("milvus_timeout")
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (0 < value < float("inf")):
        raise InputError(
            f"EVQA_MILVUS_TIMEOUT={raw!r} is not a number of seconds above 0; fix or unset it"
        )
    return value


def connect(uri: str, *, create: bool = False, rebuild: str | None = None):
    """A MilvusClient for ``uri``. Raises InputError (a URI or setting pymilvus cannot
    use), IndexNotFoundError (a milvus-lite file that does not exist when ``create`` is
    false; ``rebuild`` is the command that rebuilds the index), IndexWriteError (a lite
    file that cannot be created), BackendUnavailableError (unreachable) or
    BackendAuthError."""
    check_uri(uri)
    timeout = timeout_seconds()
    pymilvus = require_pymilvus()
    if is_lite(uri):
        _check_lite_file(uri, create, rebuild)
    _quiet_logs()
    token = config.resolve("milvus_token") or ""
    try:
        return _client(pymilvus, uri, token, timeout)
    except pymilvus.MilvusException as e:
        raise classify(e, uri, connecting=True) from None
    except (OSError, RuntimeError) as e:
        raise BackendUnavailableError(_unavailable(uri, str(e))) from None


def _client(pymilvus, uri: str, token: str, timeout: float):
    """The MilvusClient; a lite file's sends no keepalive pings and is made under the
    file's lock (one thread starts the file's server, the others reuse it)."""
    if not is_lite(uri):
        return pymilvus.MilvusClient(uri=uri, token=token, timeout=timeout)
    with lite_lock(uri):
        return pymilvus.MilvusClient(
            uri=uri, token=token, timeout=timeout, grpc_options=dict(LITE_GRPC_OPTIONS)
        )


def lite_lock(uri: str) -> threading.Lock:
    """The process-wide lock of a milvus-lite file. milvus-lite starts one server per file
    and process, but two threads connecting at once would both start one, and the second
    would find the file locked (as if another process held it)."""
    key = os.path.abspath(uri)  # as milvus-lite's server manager keys its servers
    with _lite_locks_guard:
        return _lite_locks.setdefault(key, threading.Lock())


def _check_lite_file(uri: str, create: bool, rebuild: str | None) -> None:
    """A lite file must exist unless this connection may ``create`` it; then its folder
    must be writable."""
    path = Path(uri)
    if not create and not path.exists():
        raise IndexNotFoundError(
            f"the milvus-lite file {uri} does not exist; "
            + (f"rebuild the index with: {rebuild}" if rebuild else "build the index first")
        )
    if create and not path.exists():
        _check_creatable(path)


def _quiet_logs() -> None:
    import logging

    # pymilvus warns on stderr about milvus-lite's missing MVCC timestamps; not news to users
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # our errors say it better
    # milvus-lite's in-process gRPC server logs a traceback for every call it does not
    # implement (the query iterator asks for a timestamp first, then carries on)
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)  # a traceback for a busy file


def _check_creatable(path: Path) -> None:
    """Make the folder of a new milvus-lite file and check it can be written (IndexWriteError
    otherwise: milvus-lite itself only says "Open local milvus failed")."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent, prefix=".evqa-probe-"):
            pass
    except (FileExistsError, NotADirectoryError) as e:
        raise IndexWriteError(
            f"cannot create the milvus-lite file {path}: {e.filename or path.parent} is a "
            "file, not a folder; pass --uri with a .db file in a writable folder"
        ) from None
    except OSError as e:
        raise IndexWriteError(
            f"cannot create the milvus-lite file {path}: {e.strerror or e} "
            f"({e.filename or path.parent}); pass --uri with a .db file in a writable folder"
        ) from None


def classify(
    e: Exception,
    uri: str,
    doing: str = "",
    *,
    rebuild: str | None = None,
    connecting: bool = False,
) -> EvqaError:
    """A MilvusException as an EvqaError whose message says what to do (never the token).
    ``connecting``: raised while connecting, not by a call on a made connection;
    ``rebuild``: the command that rebuilds the index, for a damaged milvus-lite file."""
    message = str(getattr(e, "message", "") or e)
    token = config.resolve("milvus_token")
    if token:
        message = message.replace(token, "***")
    if is_lite(uri) and not connecting:
        # the in-process server is up and holds the file, so neither loopback nor a lock
        # is the cause: it failed reading or writing its files (milvus-lite reads a
        # collection's files on first use, not on connecting)
        return IndexCorruptError(_damaged(uri, message, doing, rebuild))
    if not is_lite(uri) and _refused_login(e, message):
        return BackendAuthError(
            f"Milvus at {uri} refused the credentials ({message}); set EVQA_MILVUS_TOKEN "
            "to a valid TOKEN or user:password"
        )
    return BackendUnavailableError(_unavailable(uri, message, doing))


def _refused_login(e: Exception, message: str) -> bool:
    """Whether a server refused the token (pymilvus wraps a refused login as "Fail
    connecting to server": the gRPC status behind it says UNAUTHENTICATED)."""
    low = " ".join([message, *_causes(e)]).lower()
    return any(
        w in low
        for w in (
            "unauthenticated",
            "auth check",
            "credential",
            "password",
            "permission_denied",
            "permission denied",
            "invalid token",
        )
    )


def _causes(e: BaseException, most: int = 8) -> list[str]:
    """The texts of the exceptions behind ``e`` (gRPC status codes included)."""
    out, seen = [], {id(e)}
    x = e.__cause__ or e.__context__
    while x is not None and id(x) not in seen and len(out) < most:
        seen.add(id(x))
        code = getattr(x, "code", None)
        if callable(code):
            with contextlib.suppress(Exception):  # only a hint
                out.append(str(code()))
        out.append(str(x))
        x = x.__cause__ or x.__context__
    return out


def _unavailable(uri: str, message: str, doing: str = "") -> str:
    what = f" while {doing}" if doing else ""
    hint = (
        "milvus-lite needs the loopback interface (127.0.0.1) and a writable folder, and "
        "opens a file in one process at a time (is evqa serve or a build using it?); "
        "for concurrent use run a Milvus server"
        if is_lite(uri)
        else "check that the server is running and the address is right (--uri / EVQA_MILVUS_URI)"
    )
    return f"cannot use Milvus at {uri}{what} ({message}); {hint}"


def _damaged(uri: str, message: str, doing: str, rebuild: str | None) -> str:
    what = f" while {doing}" if doing else ""
    how = f"rebuild the index with: {rebuild}" if rebuild else "rebuild the index"
    return (
        f"cannot use Milvus at {uri}{what} ({message}); the milvus-lite file may be damaged "
        f"(unless the message says otherwise, e.g. a full disk): move {uri} aside and {how}"
    )


def server_version(client) -> str:
    """``version X`` of the server behind ``client``, for messages."""
    try:
        return f"version {client.get_server_version()}"
    except Exception:  # noqa: BLE001 - only for the message
        return "version unknown"
