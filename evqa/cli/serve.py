"""`evqa serve`: the JSON API and the web page, on an index loaded once."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from evqa import config
from evqa.cli.common import handle_errors, warning
from evqa.cli.options import index_option, json_option, model_option
from evqa.cli.output import err, notice
from evqa.errors import EvqaError, InputError


@click.command()
@index_option
@model_option
@click.option(
    "--host",
    default=None,
    help="Address to listen on [env EVQA_HOST; default 127.0.0.1, this machine only]. "
    "Any other address is reachable from the network: add --token.",
)
@click.option(
    "--port",
    type=int,
    default=None,
    help=f"Port [env EVQA_PORT; default {config.DEFAULTS['port']}; 0 picks a free one].",
)
@click.option(
    "--token",
    default=None,
    help="Require 'Authorization: Bearer TOKEN' on the API (printable ASCII, not empty or "
    "padded) [env EVQA_TOKEN, which keeps it out of the process list].",
)
@json_option("Print the address as JSON once ready.")
@handle_errors
def serve(
    index: Path | None,
    model: Path | None,
    host: str | None,
    port: int | None,
    token: str | None,
    as_json: bool,
) -> None:
    """Serve the JSON API and the web page until Ctrl-C; the index loads once.

    Needs the serve extra: pip install -e '.[serve]'. A rebuild of the index while
    it runs is picked up at the next request.

    \b
    Examples:
      evqa serve                                  # then open http://127.0.0.1:8000/
      evqa serve --index news.idx --port 8080
      EVQA_TOKEN=s3cret evqa serve --host 0.0.0.0
      curl -s localhost:8000/ask -H 'content-type: application/json' \\
           -d '{"question": "energy density of Jinshi battery"}'
    """
    server = _server_module()
    given_token = token is not None
    host, port, token = _listen_flags(host, port, token)
    if token is not None:
        token = server.check_token(token, "--token" if given_token else config.env_name("token"))
    exposure = server.exposure_warning(host, token)
    server.serve(_opener(index, model), host, port, token, _on_ready(as_json, exposure))


def _server_module():
    try:
        from evqa.serve import server
    except ModuleNotFoundError as e:  # pragma: no cover - depends on the install
        raise EvqaError(
            f"evqa serve needs the serve extra ({e.name} is missing): pip install -e '.[serve]'"
        ) from None
    return server


def _listen_flags(
    host: str | None, port: int | None, token: str | None
) -> tuple[str, int, str | None]:
    """Host, port and token by flag > EVQA_* env > default; a port out of range is refused.
    EVQA_TOKEN set but empty is kept as "" (refused by check_token), not read as unset."""
    host = str(config.resolve("host", host))
    port_flag, port = port, int(config.resolve("port", port))
    token = config.resolve("token", token)
    if token is None and os.environ.get(config.env_name("token")) == "":
        token = ""
    if not 0 <= port <= 65535:
        name = config.env_name("port") if config.from_env("port", port_flag) else "--port"
        raise InputError(f"{name} must be between 0 and 65535 (got {port})")
    return host, port, token


def _opener(index: Path | None, model: Path | None) -> Callable:
    """How the server opens the engine, at start and again after a rebuild. Warnings (such
    as the undated articles a request's date filter left out) go to the server's stderr as
    ``warning:`` lines; /ask and /search also carry a request's own in ``warnings``."""
    from evqa.engine import Engine

    def opener(check_stale: bool) -> Engine:
        return Engine.open(index, model=model, check_stale=check_stale, notice=notice, warn=warning)

    return opener


def _on_ready(as_json: bool, exposure: str | None) -> Callable[[str], None]:
    """What to say once the server listens: the exposure warning, if any (not before: an
    address it cannot listen on exposes nothing), then the URL (as JSON on stdout with
    --json)."""
    import json

    def ready(url: str) -> None:
        if exposure:
            err(f"warning: {exposure}")
        if as_json:
            click.echo(json.dumps({"url": url}), nl=True)
            sys.stdout.flush()
        err(f"serving {url} (Ctrl-C to stop)")

    return ready
