"""Run the app with uvicorn until Ctrl-C. Used by the `evqa serve` command."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import quote

from evqa.errors import InputError
from evqa.serve.holder import EngineHolder, Opener


def is_loopback(host: str) -> bool:
    """Whether the address bind() would listen on is this machine only (127.1 is)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(_address(host, 0)[4][0]).is_loopback
    except (OSError, ValueError):
        return False


TOKEN_HINT = 'e.g. python -c "import secrets; print(secrets.token_urlsafe())"'


def check_token(token: str, name: str = "token") -> str:
    """``token`` if every client can send it as ``Authorization: Bearer TOKEN``: not empty,
    not padded with spaces (a header loses them), printable ASCII only (a browser cannot
    send other characters in a header as the server reads them). ``name`` is where it came
    from (--token, EVQA_TOKEN). Raises InputError saying what to do."""
    unset = f"unset {name}" if name.isupper() else f"leave {name} out"
    if not token.strip():
        what = "empty" if not token else "only spaces"
        raise InputError(
            f"{name} is {what}: no client could send it. Give the token the API should "
            f"require ({TOKEN_HINT}), or {unset} to serve without one"
        )
    if token != token.strip():
        raise InputError(
            f"{name} starts or ends with spaces, which an Authorization header cannot "
            "carry: remove them"
        )
    if not all(" " <= c <= "~" for c in token):
        raise InputError(
            f"{name} may hold only printable ASCII characters (letters, digits, punctuation, "
            f"inner spaces), which every client can send in a header: choose another "
            f"({TOKEN_HINT})"
        )
    return token


def exposure_warning(host: str, token: str | None) -> str | None:
    """What to tell the user when the server listens beyond this machine."""
    if is_loopback(host):
        return None
    if token:
        return f"listening on {host}: other machines can reach it; requests need the token"
    return (
        f"listening on {host} with no authentication: anyone who can reach this address "
        "can query the index. Add --token (or EVQA_TOKEN) to require one."
    )


def page_url(host: str, port: int, token: str | None) -> str:
    host = host.strip("[]")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    # the page reads it with URLSearchParams: &, %, + and spaces must arrive intact
    return f"http://{shown}:{port}/" + (f"#token={quote(token, safe='')}" if token else "")


def serve(
    opener: Opener,
    host: str,
    port: int,
    token: str | None,
    ready: Callable[[str], None],
) -> None:
    import uvicorn

    from evqa.serve.app import create_app

    app = create_app(EngineHolder(opener), token=token)
    sock = bind(host, port)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    ready(page_url(host, sock.getsockname()[1], token))
    # uvicorn shuts down gracefully on Ctrl-C, then re-raises it: a normal way to stop
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])


def bind(host: str, port: int) -> socket.socket:
    """Bind before starting uvicorn, so that a busy port is a clean error."""
    try:
        family, *_, address = _address(host, port)
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted connections inherit it: without it, keep-alive responses wait ~40 ms
        # for the client's delayed ACK (uvicorn writes headers and body separately)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(2048)  # connections queue from now on, before uvicorn's loop starts
    except OSError as e:
        raise InputError(
            f"cannot listen on {host}:{port} ({e.strerror or e}); "
            "choose another address or port with --host/--port"
        ) from None
    sock.set_inheritable(True)
    return sock


def _address(host: str, port: int) -> tuple:
    """The first getaddrinfo entry for host, which may be written [::1] as in a URL."""
    return socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0]
