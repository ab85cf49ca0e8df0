"""A real Postgres (the launcher's embedded one) stopped for a few seconds under a live
server: clients get 2xx or a 503 with Retry-After, and the portal answers again once it
is back, without a restart. The outages without a server: partnership/tests/test_outage.py."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from partnership.api.exceptions import PROBLEM_CONTENT_TYPE
from tooling.embedded import postgres_url, start_postgres
from tooling.servers import free_port

BASE_DIR = Path(__file__).resolve().parents[2]

SERVER = r"""
import os, sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn

os.environ["DJANGO_SETTINGS_MODULE"] = "partnership.settings.test"
import django
django.setup()
from django.core.wsgi import get_wsgi_application


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


httpd = make_server("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), Server, Quiet)
print("ready", flush=True)
httpd.serve_forever()
"""


def _manage(root: Path, env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root,
        env={**env, "DJANGO_SETTINGS_MODULE": "partnership.settings.test"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _get(url: str, token: str) -> tuple[int, str, str | None]:
    """Status, content type and Retry-After of a GET."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers["Content-Type"], None
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.headers["Retry-After"]


@pytest.mark.slow
def test_outage_503_while_a_real_postgres_restarts(tmp_path):
    """A throwaway Postgres under a live server is stopped for a few seconds while clients
    keep asking: every answer is 2xx or 503 (with Retry-After, a problem document from the
    API), and the portal answers 200 again once Postgres is back, without a restart."""
    server, socket_dir = start_postgres(tmp_path / "pg")
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url(socket_dir, name="postgres"),
        "DATABASE_OWNER_URL": "",
        "DATABASE_CONNECT_TIMEOUT": "2",
        "SERVICE_UNAVAILABLE_RETRY_AFTER": "5",
    }
    root = BASE_DIR
    web = None
    stop = threading.Event()
    try:
        _manage(root, env, "migrate", "--noinput", "-v", "0")
        token = (
            _manage(
                root,
                env,
                "shell",
                "-c",
                "from partnership.models import Pdu, Role, User\n"
                "from partnership.services import api_token_issue\n"
                "user = User.objects.create_user(email='live@example.org', full_name='Live',"
                " role=Role.PRACTITIONER, pdu=Pdu.objects.get(name='Manchester North'))\n"
                "print(api_token_issue(user=user, name='live', scope='write')[1])",
            )
            .strip()
            .splitlines()[-1]
        )
        port = free_port()
        web = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port)],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert web.stdout.readline().strip() == "ready"
        base = f"http://127.0.0.1:{port}"
        assert _get(base + "/api/v1/referrals/", token)[0] == 200

        answers: list[tuple[str, tuple[int, str, str | None]]] = []

        def keep_asking() -> None:
            while not stop.is_set():
                for path in ("/api/v1/referrals/", "/api/v1/me/", "/referrals/"):
                    answers.append((path, _get(base + path, token)))

        clients = [threading.Thread(target=keep_asking) for _ in range(3)]
        for client in clients:
            client.start()
        time.sleep(1)
        server.cleanup()  # stops it: nothing else holds it
        time.sleep(4)
        server, socket_dir = start_postgres(tmp_path / "pg")
        time.sleep(2)
        stop.set()
        for client in clients:
            client.join(timeout=30)

        codes = sorted({status for _, (status, _, _) in answers})
        assert all(200 <= code < 300 or code in (302, 503) for code in codes), codes
        unavailable = [(path, answer) for path, answer in answers if answer[0] == 503]
        assert unavailable, "the outage was never seen"
        for path, (_, content_type, retry_after) in unavailable:
            assert retry_after == "5"
            expected = PROBLEM_CONTENT_TYPE if path.startswith("/api/") else "text/html"
            assert content_type.startswith(expected), (path, content_type)
        # Recovered: the portal answers as before.
        assert _get(base + "/api/v1/referrals/", token)[0] == 200
        assert _get(base + "/api/v1/me/", token)[0] == 200
    finally:
        stop.set()
        if web is not None:
            web.terminate()
            web.wait(timeout=10)
        server.cleanup()
