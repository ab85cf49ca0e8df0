"""Browser tests: Playwright driving the system Chromium against the live server."""

import os
import shutil

import pytest

from partnership.demo import DEMO_PASSWORD

# Playwright's sync API runs an event loop in the test's thread from the first browser test
# on; the tests' own ORM calls (and pytest-django's flushes) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    if os.environ.get("CI"):
        # In CI a missing browser must fail the run, never skip it quietly.
        raise pytest.UsageError(
            f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium)"
        )
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


_demo_snapshot = None


@pytest.fixture
def demo(committed_db):
    """The demo accounts and sample data, in a database the live server can read: loaded
    by the demo loader in a process's first browser test, put back from a copy in the rest
    (tests/browser/snapshot.py)."""
    global _demo_snapshot
    from partnership.demo import load_demo
    from tests.browser import snapshot

    if _demo_snapshot is None:
        _demo_snapshot = snapshot.take(load_demo())
    else:
        snapshot.restore(_demo_snapshot)
    return dict(_demo_snapshot.counts)


@pytest.fixture
def sign_in(page, live_server, demo):
    """Sign in through the page as a demo account; returns the page on the home page."""

    def _sign_in(email: str, password: str = DEMO_PASSWORD):
        page.goto(f"{live_server.url}/sign-in/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        return page

    return _sign_in
