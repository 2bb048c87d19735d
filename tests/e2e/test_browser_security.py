"""What only a browser can show (security.md #40 and #53): the Content-Security-Policy really stops
an injected inline script — Chromium reports the violation and the script does not run — and no
page a pupil or a parent reaches makes a single request to another host (no analytics, fonts or
CDNs: the children's data and their browsing stay with the school).

Before: both rested on reading the header and the templates; nothing watched the browser.
"""
from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = pytest.mark.e2e

PAGES_PER_ROLE = 25


def test_csp_blocks_an_injected_inline_script_and_chromium_reports_it(sign_in, live_server, page):
    sign_in(live_server.logins["teacher"][0].username)
    page.evaluate("""() => {
        window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__violations.push([e.violatedDirective, e.blockedURI]));
    }""")
    # What a stored-XSS payload would put in the page if escaping ever failed: an inline script, an
    # event-handler attribute and a javascript: URL.
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__pwned = 1';
        document.body.appendChild(s);
        const d = document.createElement('div');
        d.innerHTML = '<img src="/static/none.png" onerror="window.__pwned2 = 1">';
        document.body.appendChild(d);
    }""")
    page.wait_for_function("() => window.__violations.length >= 2")
    assert page.evaluate("() => [window.__pwned, window.__pwned2]") == [None, None]
    directives = {v[0] for v in page.evaluate("() => window.__violations")}
    assert directives & {"script-src-elem", "script-src"} and directives & {"script-src-attr", "script-src"}
    assert all(v[1] == "inline" for v in page.evaluate("() => window.__violations"))


@pytest.mark.parametrize("role", ["student", "parent"])
def test_no_page_of_a_pupil_or_parent_asks_another_host(role, sign_in, live_server, page):
    ours = urlsplit(live_server.url).netloc
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in(live_server.logins[role][0].username)
    seen, queue = set(), ["/"]
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 500, path
        page.wait_for_load_state("load")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            url = urlsplit(urljoin(live_server.url + path, href))
            if url.netloc == ours and url.path not in seen and "logout" not in url.path \
                    and not url.path.endswith((".pdf", ".xlsx", ".zip", ".json", ".ics")):
                queue.append(url.path + (f"?{url.query}" if url.query else ""))
    assert len(seen) >= 5, seen
    foreign = sorted({r for r in requests if urlsplit(r).scheme in ("http", "https", "ws", "wss")
                      and urlsplit(r).netloc != ours})
    assert not foreign, f"requests to other hosts from {role}'s pages: {foreign}"
    assert len(requests) > len(seen)  # the pages' own scripts, styles and images were seen
