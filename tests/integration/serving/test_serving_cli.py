"""`pantau serve` as a user runs it: a child process that prints where it listens, answers HTTP
and stops cleanly on SIGTERM; plus the errors a user meets first."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from pantau.cli import main

pytestmark = pytest.mark.integration


class _Lines:
    """The child's output lines, read by a thread (select() on a buffered pipe misses lines)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert process.stdout is not None
        stdout = process.stdout
        threading.Thread(target=lambda: [self.queue.put(line) for line in stdout],
                         daemon=True).start()

    def wait_for(self, pattern: str, deadline: float) -> re.Match[str]:
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "timed out; output so far:\n" + "".join(self.seen)
            try:
                line = self.queue.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match


def test_serve_prints_where_it_listens_answers_and_stops_on_sigterm(serving_settings):
    env = {**os.environ, **serving_settings.environment()}
    process = subprocess.Popen([sys.executable, "-m", "pantau.cli", "serve"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        lines = _Lines(process)
        web_port = int(lines.wait_for(r"Dashboard on http://127\.0\.0\.1:(\d+)/", deadline).group(1))
        lines.wait_for(r"No login: .*dashboard-users has no users", deadline)
        lines.wait_for(r"SQLAlchemy URL: duckdb:///.*access_mode=read_only", deadline)
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/api/alerts", timeout=30) as reply:
            assert len(json.loads(reply.read())["alerts"]) == 12
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/", timeout=30) as reply:
            assert b"chart-volume" in reply.read()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        lines.wait_for(r"^Stopped\.$", time.monotonic() + 10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_without_snapshot_names_the_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PANTAU_STATE_DIR", str(tmp_path))
    assert main(["serve"]) == 2
    assert "no published snapshot at" in capsys.readouterr().err


def test_a_taken_port_names_the_setting(serving_settings, monkeypatch, capsys):
    import socket

    for name, value in serving_settings.environment().items():
        monkeypatch.setenv(name, value)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        monkeypatch.setenv("PANTAU_SERVE_PORT", str(port))
        assert main(["serve"]) == 2
    assert (f"cannot listen on 127.0.0.1:{port}: the port is in use — stop the program that holds "
            "it or choose another port with PANTAU_SERVE_PORT") in capsys.readouterr().err


def test_serve_with_a_user_added_by_the_cli_asks_for_a_login(serving_settings):
    env = {**os.environ, **serving_settings.environment()}
    added = subprocess.run([sys.executable, "-m", "pantau.cli", "serve", "--add-user", "siti"],
                           env=env, input="sandi-rahasia-1\n", capture_output=True, text=True,
                           timeout=60)
    assert added.returncode == 0, added.stderr
    assert f"Added siti in {serving_settings.serve_users_file}" in added.stdout
    process = subprocess.Popen([sys.executable, "-m", "pantau.cli", "serve"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        lines = _Lines(process)
        web_port = int(lines.wait_for(r"Dashboard on http://127\.0\.0\.1:(\d+)/", deadline).group(1))
        lines.wait_for(r"Login on: 1 user\(s\) in .*dashboard-users", deadline)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{web_port}/api/alerts", timeout=30)
            raise AssertionError("the API answered without a login")
        except urllib.error.HTTPError as error:
            assert error.code == 401
        assert (serving_settings.state_dir / "dashboard-session.key").stat().st_mode & 0o777 == 0o600
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        lines.wait_for(r"^Stopped\.$", time.monotonic() + 10)
        assert not any("sandi" in line or "Traceback" in line for line in lines.seen)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
