"""Reflow (WCAG 2.2 1.4.10): no page of any role scrolls sideways at 320 CSS pixels, nor at
1280 pixels zoomed to 200% (a 640 CSS pixel viewport at a device scale factor of 2).

For each demo role the pages are found by following same-origin links breadth-first from the
home page: one page per kind of address (ids and query values do not make a new kind), at most
MAX_PAGES a role. A table may scroll inside its own focusable, labelled region; the page may not.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from partnership.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ROLES = [
    "practitioner@demo.example",
    "provider-admin@demo.example",
    "caseworker@demo.example",
    "caseworker-untrained@demo.example",
    "commissioner@demo.example",
    "assessor@demo.example",
    "admin@demo.example",
]
WIDTHS = {
    "320px": {"viewport": {"width": 320, "height": 720}, "device_scale_factor": 1},
    "1280px at 200% zoom": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}
MAX_PAGES = 40
# Not pages to look at: other sites' and the API's, the admin, sign-in and -out, downloads (a
# risk document's is recorded), and links that change something when followed.
SKIPPED = re.compile(
    r"^/(api|django-admin|admin|static|sign-in|sign-out|openreferral)(/|$)"
    r"|\.(csv|json|xml|pdf)$|/(download|export)|/documents/[^/]+/$"
    r"|/two-factor/set-up/"
)
_ID = re.compile(r"^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
# Links to follow: not those that download a file.
_LINKS = "() => Array.from(document.querySelectorAll('a[href]:not([download])'), (a) => a.href)"
# The page's sideways overflow, and the outermost elements that stick out past its right edge
# (to say where to look): anything inside a scrolling region does not count.
_OVERFLOW = """async () => {
  await document.fonts.ready;
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const culprits = [];
  const visit = (el) => {
    for (const child of el.children) {
      if (child.getBoundingClientRect().right > root.clientWidth + 1) {
        const name = child.tagName.toLowerCase() + (child.id ? '#' + child.id : '')
          + Array.from(child.classList, (c) => '.' + c).join('');
        culprits.push(name + ' (' + Math.round(child.getBoundingClientRect().width) + 'px)');
        if (culprits.length >= 3) return;
      } else if (!scrolls(child)) {
        visit(child);
      }
      if (culprits.length >= 3) return;
    }
  };
  visit(document.body);
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, culprits: culprits};
}"""


def pattern_key(path: str, query: str) -> str:
    """One key for the addresses of one kind of page: ids become placeholders and only the
    query's parameter names count."""
    segments = ["<id>" if _ID.match(segment) else segment for segment in path.split("/")]
    names = sorted({name for name, _ in parse_qsl(query, keep_blank_values=True)})
    return "/".join(segments) + ("?" + "&".join(names) if names else "")


def _sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def _html(response) -> bool:
    return (
        response is not None
        and response.ok
        and response.headers.get("content-type", "").startswith("text/html")
    )


def _goto(page, url: str):
    """The page's response, or None for a file that downloads instead."""
    try:
        return page.goto(url, wait_until="domcontentloaded")
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return None
        raise


def _overflow_report(url: str, width: str, overflow: dict) -> str:
    return (
        f"{urlsplit(url).path}{'?' + urlsplit(url).query if urlsplit(url).query else ''}"
        f" at {width}: {overflow['scrollWidth']}px wide in {overflow['clientWidth']}px"
        f" ({', '.join(overflow['culprits']) or 'no single element'})"
    )


def _check_role(browser, base_url: str, email: str) -> tuple[list[str], int]:
    """Visit every page of one role at each width; the overflows found and the pages seen."""
    origin = urlsplit(base_url).netloc
    contexts = {width: browser.new_context(**options) for width, options in WIDTHS.items()}
    failures: list[str] = []
    try:
        pages = {width: context.new_page() for width, context in contexts.items()}
        first, *others = WIDTHS
        _sign_in(pages[first], base_url, email)
        state = contexts[first].storage_state()
        for width in others:
            contexts[width].add_cookies(state["cookies"])
        queue = deque([pages[first].url])
        seen = {pattern_key(urlsplit(pages[first].url).path, "")}
        visited = 0
        while queue and visited < MAX_PAGES:
            url = queue.popleft()
            response = _goto(pages[first], url)
            if not _html(response) or urlsplit(pages[first].url).path.startswith("/sign-in"):
                continue
            visited += 1
            for link in pages[first].evaluate(_LINKS):
                link = urldefrag(link).url
                parts = urlsplit(link)
                if parts.scheme not in {"http", "https"} or parts.netloc != origin:
                    continue
                if SKIPPED.search(parts.path):
                    continue
                key = pattern_key(parts.path, parts.query)
                if key not in seen:
                    seen.add(key)
                    queue.append(link)
            for width, page in pages.items():
                if page is not pages[first] and not _html(_goto(page, url)):
                    continue
                overflow = page.evaluate(_OVERFLOW)
                if overflow:
                    failures.append(_overflow_report(url, width, overflow))
        return failures, visited
    finally:
        for context in contexts.values():
            context.close()


def test_pattern_key_groups_pages_of_one_kind():
    uuid = "0b8e4a53-1c1a-4bd4-9f0e-0a4f1a3b6c2d"
    assert pattern_key(f"/referrals/{uuid}/", "") == "/referrals/<id>/"
    assert pattern_key("/services/12/", "") == pattern_key("/services/7/", "")
    assert pattern_key("/services/", "q=housing&page=2") == "/services/?page&q"
    assert pattern_key("/services/", "page=3&q=") == pattern_key("/services/", "q=x&page=2")
    assert pattern_key("/demand/housing/", "") != pattern_key("/demand/", "")


def test_no_page_scrolls_sideways_at_320px_or_at_200_percent_zoom(browser, live_server, demo):
    """Every role in one test, so that the demo data is loaded once; each role's failures are
    listed by page and width."""
    report = []
    for email in ROLES:
        failures, visited = _check_role(browser, live_server.url, email)
        if visited < 2:
            report.append(f"{email} reached only {visited} page(s) from the home page")
        if failures:
            report.append(f"{len(failures)} of {visited} pages of {email} scroll sideways:")
            report.extend(f"  {failure}" for failure in failures)
    assert not report, "\n".join(report)
