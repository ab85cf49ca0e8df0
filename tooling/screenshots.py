"""`make screenshots`: each demo role's home page, signed in, at 1280 pixels and at 320 pixels
wide (the whole page), saved as docs/screenshots/<role>-1280.png and <role>-320.png.

The portal is served as `make run` serves it (tooling/launcher.py): on the same database, the
embedded one under var/ unless DATABASE_URL names another, migrated and with the demo data
loaded, its static files collected, through gunicorn on a free loopback port for as long as
the pictures take. Chromium is CHROMIUM_PATH, else the system's `chromium`, else Playwright's
own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tooling.embedded import running
from tooling.launcher import (
    GUNICORN_CONFIG,
    _manage,
    database_roles_environ,
    project_environ,
    var_root,
)
from tooling.servers import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
OUTPUT_DIR = BASE_DIR / "docs" / "screenshots"
BIN_DIR = Path(sys.executable).parent
# The demo accounts of the README, one a role (partnership/demo.py).
ROLES = [
    "practitioner",
    "provider-admin",
    "caseworker",
    "caseworker-untrained",
    "commissioner",
    "assessor",
    "admin",
]
WIDTHS = {1280: {"width": 1280, "height": 800}, 320: {"width": 320, "height": 720}}
READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 20


def _say(message: str) -> None:
    print(f"[screenshots] {message}", flush=True)


def _chromium() -> str | None:
    """The browser to drive: CHROMIUM_PATH, the system's chromium, or None for Playwright's."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


def _wait_until_serving(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"the web server stopped while starting (status {server.returncode})"
            )
        try:
            with urllib.request.urlopen(f"{url}/sign-in/", timeout=3) as response:  # noqa: S310 - our own loopback server
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            raise RuntimeError(
                f"the sign-in page answered {error.code}: see the output above"
            ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the web server did not answer at {url} within {READY_TIMEOUT_SECONDS} s")


def take(browser, url: str, output_dir: Path = OUTPUT_DIR) -> list[Path]:
    """Sign in as each role in `browser` (Playwright's) and save its home page at each width;
    the files written."""
    from partnership.demo import DEMO_PASSWORD

    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for role in ROLES:
        context = browser.new_context(viewport=WIDTHS[1280])
        try:
            page = context.new_page()
            page.goto(f"{url}/sign-in/")
            page.get_by_label("Email address").fill(f"{role}@demo.example")
            page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda address: "/sign-in/" not in address)
            for width, viewport in WIDTHS.items():
                page.set_viewport_size(viewport)
                page.goto(f"{url}/")
                page.evaluate("document.fonts.ready")
                path = output_dir / f"{role}-{width}.png"
                page.screenshot(path=str(path), full_page=True)
                written.append(path)
                shown = path.relative_to(BASE_DIR) if path.is_relative_to(BASE_DIR) else path
                _say(f"{role}: home page at {width}px -> {shown}")
        finally:
            context.close()
    return written


def take_with_chromium(url: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium(), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            return take(browser, url)
        finally:
            browser.close()


def main() -> int:
    base = project_environ()
    root = var_root(base)
    with running(root, base) as services:
        for name in services.started:
            _say(f"embedded {name} started under {root}/")
        env = {**base, **services.environ}
        env.update(database_roles_environ(env, root))
        env.setdefault("DJANGO_SETTINGS_MODULE", "partnership.settings.base")
        _say("migrating the database and loading the demo data")
        _manage("migrate", "--no-input", "-v", "0", env=env)
        _manage("load_demo", env=env)
        _manage("collectstatic", "--no-input", "-v", "0", env=env)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        _say(f"starting the portal at {url}/")
        server = subprocess.Popen(  # noqa: S603 - our own fixed command
            [
                str(BIN_DIR / "gunicorn"),
                "--config",
                str(GUNICORN_CONFIG),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=BASE_DIR,
            env=env,
            # Its access log (standard output) is left out; its errors still show.
            stdout=subprocess.DEVNULL,
        )
        try:
            _wait_until_serving(url, server)
            written = take_with_chromium(url)
        finally:
            server.terminate()
            try:
                server.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    _say(f"{len(written)} screenshots in {OUTPUT_DIR.relative_to(BASE_DIR)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
