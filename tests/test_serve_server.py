"""`evqa serve`: loopback by default, a warning (or a token) beyond it, clean errors."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

pytest.importorskip("fastapi")

from click.testing import CliRunner  # noqa: E402

from evqa import config  # noqa: E402
from evqa.cli import cli  # noqa: E402
from evqa.errors import InputError  # noqa: E402
from evqa.serve import server  # noqa: E402


@pytest.mark.parametrize(
    "host, loopback",
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("127.1", True), ("0x7f000001", True), ("[::]", False),
     ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
     ("example.org", False)],
)  # fmt: skip
def test_is_loopback(host, loopback):
    assert server.is_loopback(host) is loopback


def test_exposure_warning_only_beyond_loopback():
    assert server.exposure_warning("127.0.0.1", None) is None
    assert "no authentication" in server.exposure_warning("0.0.0.0", None)
    assert "need the token" in server.exposure_warning("0.0.0.0", "t")
    assert server.exposure_warning("127.1", None) is None


def test_page_url_carries_the_token_in_the_fragment():
    assert server.page_url("127.0.0.1", 8000, None) == "http://127.0.0.1:8000/"
    assert server.page_url("0.0.0.0", 80, "t") == "http://127.0.0.1:80/#token=t"
    assert server.page_url("::1", 80, None) == "http://[::1]:80/"
    assert server.page_url("[::1]", 80, None) == "http://[::1]:80/"
    assert server.page_url("[::]", 80, None) == "http://127.0.0.1:80/"


@pytest.mark.parametrize("token", ["a&b", "50%", "two words", "a+b=c#d", "%zz", "é"])
def test_page_url_percent_encodes_the_token(token):
    url = server.page_url("127.0.0.1", 80, token)
    fragment = urllib.parse.urlsplit(url).fragment
    assert " " not in url and url.count("#") == 1 and fragment.count("=") == 1
    assert urllib.parse.parse_qs(fragment) == {"token": [token]}


def test_a_bracketed_ipv6_host_binds():
    try:
        socket.socket(socket.AF_INET6).close()
        socket.getaddrinfo("::1", 0)
    except OSError:
        pytest.skip("no IPv6 on this machine")
    with server.bind("[::1]", 0) as sock:
        assert sock.family == socket.AF_INET6 and sock.getsockname()[0] == "::1"


def test_a_busy_port_is_a_clean_input_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=f"cannot listen on 127.0.0.1:{port}"):
            server.bind("127.0.0.1", port)


@pytest.fixture
def started(monkeypatch):
    """Replace the blocking server with a recorder."""
    seen = {}

    def fake_serve(opener, host, port, token, ready):
        seen.update(host=host, port=port, token=token)
        ready(server.page_url(host, port, token))

    monkeypatch.setattr(server, "serve", fake_serve)
    return seen


def test_serve_defaults_to_loopback_without_a_warning(started, monkeypatch):
    monkeypatch.delenv("EVQA_HOST", raising=False)
    r = CliRunner().invoke(cli, ["serve", "--json"])
    assert r.exit_code == 0, r.output
    assert started == {"host": "127.0.0.1", "port": 8000, "token": None}
    assert "warning" not in r.stderr and '"url": "http://127.0.0.1:8000/"' in r.stdout


def test_serve_on_another_host_warns_that_there_is_no_authentication(started):
    r = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "9001"])
    assert r.exit_code == 0, r.output
    assert "warning: listening on 0.0.0.0 with no authentication" in r.stderr
    assert started["port"] == 9001


def test_serve_takes_the_token_from_the_environment(started, monkeypatch):
    monkeypatch.setenv("EVQA_TOKEN", "s3cret")
    r = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert r.exit_code == 0 and started["token"] == "s3cret"
    assert "no authentication" not in r.stderr and "#token=s3cret" in r.stderr


def test_serve_refuses_a_bad_port():
    r = CliRunner().invoke(cli, ["serve", "--port", "70000"])
    assert r.exit_code == 2 and "--port must be between 0 and 65535" in r.stderr
    assert "Traceback" not in r.output


def test_the_core_and_the_cli_never_import_the_server():
    code = (
        "import sys, evqa.cli, evqa.engine, evqa.answer; "
        "print([m for m in sys.modules if m.split('.')[0] in ('fastapi', 'uvicorn', 'starlette')"
        " or m.startswith('evqa.serve')])"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(config.PROJECT_ROOT), "PATH": ""},
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_the_listening_socket_sends_without_delay():
    """Accepted connections inherit TCP_NODELAY; without it each keep-alive response
    waited ~40 ms for the client's delayed ACK (measured with eval/serve_load.py)."""
    with server.bind("127.0.0.1", 0) as sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


@pytest.mark.integration
def test_evqa_serve_answers_over_a_real_socket_and_stops_cleanly_on_ctrl_c():
    proc = subprocess.Popen(
        [sys.executable, "-m", "evqa", "serve", "--port", "0", "--json"],
        env={**os.environ, "PYTHONPATH": str(config.PROJECT_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = json.loads(proc.stdout.readline())["url"]
        assert url.startswith("http://127.0.0.1:")
        req = urllib.request.Request(
            url + "ask",
            data=json.dumps({"question": "energy density of Jinshi battery"}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            assert json.load(r)["answer"] == "350 Wh/kg"
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "serving http://127.0.0.1:" in err


@pytest.mark.parametrize(
    "args, env, fragment",
    [
        (["--token", ""], None, "--token is empty: no client could send it"),
        (["--token", "   "], None, "--token is only spaces"),
        (["--token", " s3cret"], None, "--token starts or ends with spaces"),
        (["--token", "s3cret "], None, "--token starts or ends with spaces"),
        (["--token", "caf\u00e9"], None, "--token may hold only printable ASCII"),
        ([], "", "EVQA_TOKEN is empty: no client could send it"),
        ([], "  ", "EVQA_TOKEN is only spaces"),
        ([], "s3cret\n", "EVQA_TOKEN starts or ends with spaces"),
    ],
)
def test_serve_refuses_a_token_no_client_could_send(started, monkeypatch, args, env, fragment):
    """An empty token would lock every client out (or take an empty Bearer); a padded one
    cannot travel in a header. Refused before anything listens."""
    if env is None:
        monkeypatch.delenv("EVQA_TOKEN", raising=False)
    else:
        monkeypatch.setenv("EVQA_TOKEN", env)
    r = CliRunner().invoke(cli, ["serve", *args])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"error: {fragment}") and "Traceback" not in r.output
    assert started == {}  # never started


def test_an_empty_evqa_token_says_how_to_serve_without_one(started, monkeypatch):
    monkeypatch.setenv("EVQA_TOKEN", "")
    r = CliRunner().invoke(cli, ["serve"])
    assert r.exit_code == 2 and "unset EVQA_TOKEN to serve without one" in r.stderr
    monkeypatch.delenv("EVQA_TOKEN")
    assert CliRunner().invoke(cli, ["serve"]).exit_code == 0 and started["token"] is None


def test_a_token_with_inner_spaces_and_punctuation_is_kept(started, monkeypatch):
    monkeypatch.delenv("EVQA_TOKEN", raising=False)
    r = CliRunner().invoke(cli, ["serve", "--token", "a&b %c+d=e%zz"])
    assert r.exit_code == 0, r.output
    assert started["token"] == "a&b %c+d=e%zz"
