"""`taskforge user …` and `taskforge serve` as a person runs them: the token printed once and stored nowhere,
one clear line for each thing that can be wrong, the URL to sign in printed at start."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("textual_serve", reason="the web extra is not installed (pip install 'taskforge[web]')")

TAKSFORGE = [sys.executable, "-m", "taskforge"]


def run(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*TAKSFORGE, *args, "--db", str(db)], capture_output=True, text=True, timeout=60)


def test_user_add_prints_the_token_alone_on_its_last_line_and_stores_only_a_salted_hash(db_path):
    added = run("user", "add", "alice", db=db_path)
    assert added.returncode == 0, added.stderr
    token = added.stdout.splitlines()[-1]
    assert re.fullmatch(r"tf_[0-9a-f]{12}[A-Za-z0-9_-]{43}", token)
    stored = b"".join(path.read_bytes() for path in db_path.parent.glob(db_path.name + "*"))
    assert token.encode() not in stored and token[15:].encode() not in stored
    assert b"scrypt$" in stored
    again = run("user", "add", "alice", db=db_path)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "already exists" in again.stderr
    bad = run("user", "add", "al ice\x1b[31m", db=db_path)
    assert bad.returncode == 1 and "cannot be a user name" in bad.stderr and "\x1b" not in bad.stderr


def test_user_list_and_revoke(db_path):
    run("user", "add", "alice", db=db_path)
    run("user", "add", "bob", db=db_path)
    assert run("user", "revoke", "bob", db=db_path).returncode == 0
    listed = run("user", "list", db=db_path).stdout.splitlines()
    assert listed[0].startswith("alice  active") and listed[1].startswith("bob  revoked")
    assert run("user", "revoke", "bob", db=db_path).returncode == 1
    missing = run("user", "revoke", "carol", db=db_path)
    assert missing.returncode == 1 and "no user 'carol'" in missing.stderr
    # A revoked name can be given a new token; the old one stays dead.
    assert run("user", "add", "bob", db=db_path).returncode == 0
    assert "bob  active" in run("user", "list", db=db_path).stdout


def _serve(db: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*TAKSFORGE, "serve", "--db", str(db), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _lines_until(process: subprocess.Popen, pattern: str, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if re.search(pattern, line):
            return lines
    process.kill()
    raise AssertionError(f"no line matching {pattern!r} in {lines} ({process.stderr.read()})")


def _stop(process: subprocess.Popen) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    return out, err


def test_serve_makes_a_user_for_the_login_when_there_is_none_and_prints_a_url_with_its_token(db_path):
    server = _serve(db_path, "--port", "0")
    lines = _lines_until(server, r"/login\?token=tf_")
    _, err = _stop(server)
    assert server.returncode == 0, err
    assert re.match(r"Serving taskforge on http://127\.0\.0\.1:\d+/", lines[0])
    assert re.fullmatch(r"\s+http://127\.0\.0\.1:\d+/login\?token=tf_\S+", lines[-1])
    assert "warning" not in err
    users = run("user", "list", db=db_path).stdout
    assert users.count("active") == 1


def test_a_port_in_use_is_one_line_and_a_non_zero_exit(db_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), db=db_path)
    assert result.returncode == 1
    assert result.stderr == f"taskforge: port {port} on 127.0.0.1 is in use (another server?): pick another with --port\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--public-url", "plans.example.com"), "is not an http:// or https:// URL"),
        (("--public-url", "https://plans.example.com/app"), "not under a path"),
        (("--port", "70000"), "is not a port number"),
        (("--host", "203.0.113.77", "--port", "0"), "is not an address of this machine"),
    ],
)
def test_bad_arguments_are_one_line(db_path, args, message):
    result = run("serve", *args, db=db_path)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_an_unusable_database_is_one_line(tmp_path):
    missing = run("serve", "--port", "0", db=tmp_path / "no" / "such" / "folder" / "x.db")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "does not exist" in missing.stderr
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        result = run("serve", "--port", "0", db=locked / "x.db")
        assert result.returncode == 1 and result.stderr.count("\n") == 1


def test_listening_beyond_loopback_without_https_warns_that_tokens_travel_in_clear(db_path):
    run("user", "add", "alice", db=db_path)
    server = _serve(db_path, "--host", "0.0.0.0", "--port", "0")
    _lines_until(server, r"Sign in at")
    _, err = _stop(server)
    assert "warning: listening on 0.0.0.0 over plain http" in err and "clear text" in err
    behind_tls = _serve(db_path, "--host", "0.0.0.0", "--port", "0", "--public-url", "https://plans.example.com")
    lines = _lines_until(behind_tls, r"Sign in at")
    _, err = _stop(behind_tls)
    assert "warning" not in err
    assert "Sign in at https://plans.example.com/login" in lines[-1]
