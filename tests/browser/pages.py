"""What every page test checks in the real browser: the language, axe-core (no serious or critical violation), no
Content-Security-Policy violation, no horizontal scrolling at 360 px, the weight of what was transferred, and
screenshots at 360 px and 1280 px kept under ``test-artifacts/pages/`` for a person to look at.

    from tests.browser.pages import check_page
    check_page(page, "catalogue")            # the page as it is now, at both widths

``check_page`` reloads the current URL at each width in a fresh context of the same browser with the same cookies,
so it never disturbs the test's own page.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pages"
WIDTHS = ((360, 740), (1280, 900))
#: issue 11: each page at most 150 KB compressed (HTML, CSS, JS, fonts; user uploads not counted)
MAX_PAGE_BYTES = 150 * 1024
BLOCKING = ("serious", "critical")


#: every Content-Security-Policy violation of a page and of its frames, reported to Python (``watch_csp``)
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  const where = (e.sourceFile || location.href) + ':' + e.lineNumber;
  window.__portalCspViolation(`${e.effectiveDirective} refused ${e.blockedURI || 'inline'} at ${where} ${e.sample}`);
}, true);
"""


def watch_csp(context) -> list[str]:
    """Start collecting the Content-Security-Policy violations of every page and frame of ``context`` (before its
    pages open): the ``securitypolicyviolation`` events and Chromium's "Refused to …" console errors. The list fills
    as pages run; a page under the portal's policy leaves it empty."""
    seen: list[str] = []
    context.expose_binding("__portalCspViolation", lambda _source, text: seen.append(text))
    context.add_init_script(_CSP_LISTENER)

    def console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            seen.append(message.text)

    context.on("console", console)
    return seen


def assert_no_csp_violation(seen: list[str], where: str) -> None:
    assert not seen, f"Content-Security-Policy violations on {where}:\n" + "\n".join(dict.fromkeys(seen))


def axe_violations(page, impacts=BLOCKING) -> list[dict]:
    """axe-core's violations on the page (WCAG 2.0/2.1 A and AA rules) of the given impacts. axe is evaluated by the
    driver, not added as an inline ``<script>``, which the pages' policy refuses."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core on {page.url}:\n" + json.dumps(violations, ensure_ascii=False, indent=1)


def _compressed_size(response) -> int:
    try:
        body = response.body()
    except Exception:  # a redirect or an aborted request has no body
        return 0
    return len(gzip.compress(body, compresslevel=6))


def check_page(page, name: str, *, lang: str = "vi", widths=WIDTHS, full_page: bool = True) -> dict[int, int]:
    """Check the page now open at each width; return the compressed bytes transferred per width.

    The page is opened again in a new context carrying the test page's cookies (the log-in, the language), so
    screenshots show what a person sees on a phone and on a desktop.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url = page.url
    cookies = page.context.cookies()
    weights: dict[int, int] = {}
    for width, height in widths:
        context = page.context.browser.new_context(
            locale="en-US", viewport={"width": width, "height": height}, is_mobile=width < 600
        )
        context.add_cookies(cookies)
        violations = watch_csp(context)
        other = context.new_page()
        responses = []
        other.on("response", lambda response, seen=responses: seen.append(response))
        try:
            other.goto(url)
            other.wait_for_load_state("networkidle")
            assert other.locator("html").get_attribute("lang") == lang, f"{url}: <html lang> is not {lang}"
            assert other.locator("h1").count() == 1, f"{url}: a page has exactly one <h1>"
            scroll = other.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{url}: {scroll} px wide at {width} px (horizontal scrolling)"
            assert_accessible(other)
            assert_no_csp_violation(violations, url)
            weight = sum(_compressed_size(r) for r in responses if "/media" not in r.url)
            assert weight <= MAX_PAGE_BYTES, f"{url}: {weight} bytes compressed at {width} px"
            weights[width] = weight
            other.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=full_page)
        finally:
            context.close()
    return weights
