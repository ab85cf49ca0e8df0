"""Accessibility checks with axe-core (from npm) against WCAG 2.2 AA."""

from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _govuk_conditional_radio(node: dict) -> bool:
    """GOV.UK Frontend's radios with conditional content carry `aria-expanded`, which ARIA
    1.2 does not list for a radio. It is the Design System's deliberate, documented choice
    (screen readers announce the reveal; alphagov/govuk-frontend#979, a known issue in
    #1280), so that one attribute on such a radio is not counted; anything else still is."""
    html = node.get("html", "")
    failing = []
    for check in node.get("any", []) + node.get("all", []):
        data = check.get("data") or {}
        failing += data.get("values", []) if isinstance(data, dict) else list(data)
    return (
        html.startswith("<input")
        and 'type="radio"' in html
        and "aria-controls=" in html
        and bool(failing)
        and all(str(item).startswith("aria-expanded=") for item in failing)
    )


def axe_violations(page) -> list[dict]:
    """Run axe on the current page and return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated rather than added as a <script>, which the Content-Security-Policy refuses.
        page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    violations = []
    for violation in result["violations"]:
        if violation["id"] == "aria-allowed-attr":
            violation["nodes"] = [n for n in violation["nodes"] if not _govuk_conditional_radio(n)]
            if not violation["nodes"]:
                continue
        violations.append(violation)
    return violations


def assert_no_axe_violations(page) -> None:
    """Fail with a readable list if the page breaks any WCAG 2.2 AA rule axe checks."""
    violations = axe_violations(page)
    if violations:
        lines = [f"{len(violations)} accessibility violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    at {', '.join(node['target'])}")
        raise AssertionError("\n".join(lines))


def assert_accessible_at_both_widths(page) -> None:
    """No WCAG 2.2 AA violation at desktop width (1280 px) nor at 320 px, where the page
    is no wider than the screen; the page is left at desktop width."""
    page.set_viewport_size({"width": 1280, "height": 800})
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width} px wide at 320 px"
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 1280, "height": 800})
