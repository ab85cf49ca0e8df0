"""Slow clients cost gunicorn a connection, not the portal: gunicorn as partnership/
gunicorn.conf.py runs it, against the test database, with clients trickling their headers;
and every shape that faces a network puts a buffering proxy in front."""

import os
import re
import runpy
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

from partnership.db_roles import database_url

BASE_DIR = Path(__file__).resolve().parents[2]
GUNICORN_CONFIG = BASE_DIR / "partnership" / "gunicorn.conf.py"
BIN_DIR = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, timeout: float) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
        return response.status


@pytest.fixture
def gunicorn(db):
    """gunicorn with the portal's config on a free loopback port; yields the port."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "partnership.settings.test",
        "WEB_CONCURRENCY": "2",
        # Short, so that the test sees a trickling client cut off.
        "WEB_REQUEST_READ_SECONDS": "6",
    }
    env.pop("PORT", None)
    process = subprocess.Popen(
        [
            str(BIN_DIR / "gunicorn"),
            "--config",
            str(GUNICORN_CONFIG),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "gunicorn stopped while starting"
            try:
                if _get(port, "/healthz", timeout=2) == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            time.sleep(0.3)
        # Both workers load the application before the clock starts.
        for _ in range(8):
            _get(port, "/healthz", timeout=10)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Trickler(threading.Thread):
    """A client that sends its request line and then one byte of header every half second."""

    def __init__(self, port: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.stop, self.cut_off_after = stop, None

    def run(self):
        started = time.monotonic()
        try:
            self.sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while not self.stop.is_set():
                self.sock.sendall(b"X")
                time.sleep(0.5)
        except OSError:
            self.cut_off_after = time.monotonic() - started
        finally:
            self.sock.close()


@pytest.mark.slow
def test_slow_client_trickling_headers_do_not_stall_other_requests(gunicorn):
    stop = threading.Event()
    tricklers = [Trickler(gunicorn, stop) for _ in range(16)]
    for trickler in tricklers:
        trickler.start()
    try:
        time.sleep(1.5)  # every trickler has been accepted and is holding its connection
        for path in ["/healthz", "/sign-in/", "/healthz", "/", "/healthz"]:
            started = time.monotonic()
            status = _get_allowing_redirects(gunicorn, path, timeout=2)
            assert status == 200, path
            assert time.monotonic() - started < 2, path
        # The request's deadline (6 s here) ends a client that never finishes its headers.
        time.sleep(7)
        cut_off = [t for t in tricklers if t.cut_off_after is not None]
        assert len(cut_off) == len(tricklers)
        assert all(t.cut_off_after < 10 for t in cut_off)
    finally:
        stop.set()
        for trickler in tricklers:
            trickler.join(timeout=5)


def _get_allowing_redirects(port: int, path: str, timeout: float) -> int:
    try:
        return _get(port, path, timeout)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_slow_client_gunicorn_config_is_bounded_and_loopback_by_default(monkeypatch):
    for name in ("HOST", "PORT", "WEB_CONCURRENCY", "WEB_THREADS"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(GUNICORN_CONFIG))
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["worker_class"] == "partnership.gunicorn_worker.BoundedThreadWorker"
    assert config["threads"] * config["workers"] > 16
    assert 0 < config["timeout"] <= 60 and 0 < config["graceful_timeout"] <= 30
    assert 0 < config["keepalive"] <= 10


def _compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def _nginx_config() -> str:
    return (BASE_DIR / "docker" / "nginx" / "templates" / "default.conf.template").read_text()


def test_slow_client_compose_proxy_buffers_whole_requests_within_the_portal_limit():
    compose = _compose()
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    # The proxy alone faces the network; web is reached through it on the compose network.
    assert "ports" not in compose["services"]["web"]
    assert {"80:80", "443:443"} <= {str(port) for port in proxy["ports"]}
    text = _nginx_config()
    directives = dict(re.findall(r"^\s*([a-z_]+)\s+([^;]+);", text, re.MULTILINE))
    assert directives["proxy_request_buffering"] == "on"
    assert directives["proxy_http_version"] == "1.1"
    for timeout in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert int(directives[timeout].rstrip("s")) <= 30
    # The proxy refuses what the portal would refuse, at the same size.
    assert directives["client_max_body_size"] == "${REQUEST_BODY_MAX_BYTES}"
    limit = proxy["environment"]["REQUEST_BODY_MAX_BYTES"]
    portal_limit = compose["x-portal-environment"]["REQUEST_BODY_MAX_BYTES"]
    assert (
        limit == portal_limit == f"${{REQUEST_BODY_MAX_BYTES:-{settings.REQUEST_BODY_MAX_BYTES}}}"
    )


def test_slow_client_every_gunicorn_start_uses_the_one_config():
    # The launcher's and the load test's: tooling/tests/test_entry_points.py.
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert '"--config", "partnership/gunicorn.conf.py"' in dockerfile
    unit = (BASE_DIR / "docs" / "deploy" / "partnership-web.service").read_text()
    assert "--config partnership/gunicorn.conf.py" in unit
