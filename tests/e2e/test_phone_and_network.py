"""Parents and pupils on cheap phones and poor networks: what each of their pages costs to load,
measured in Chromium, within a budget; nothing fetched from another host; the assets kept by the
browser after the first page.

Budget (README, Accessibility): the first page on an empty cache — the page and every style
sheet, script and picture it needs, as sent over the wire — at most FIRST_LOAD_BUDGET; every
later page at most NEXT_PAGE_BUDGET, its assets coming from the cache.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.integration.test_demo_pages import crawl

pytestmark = pytest.mark.e2e

FIRST_LOAD_BUDGET = 150 * 1024
NEXT_PAGE_BUDGET = 60 * 1024
PASSWORD = "hoc-tap-vui-ve-2026"


class Meter:
    """Bytes received per page load, and every host asked."""

    def __init__(self, page):
        self.bytes = 0
        self.hosts: set[str] = set()
        self.requests: list[str] = []
        page.on("requestfinished", self._finished)

    def _finished(self, request):
        self.hosts.add(urlsplit(request.url).netloc)
        sizes = request.sizes()
        received = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.bytes += received
        self.requests.append(f"{request.url} {received} B")

    def reset(self) -> None:
        self.bytes = 0
        self.requests = []


@pytest.mark.parametrize("role", ["parent", "student"])
def test_a_parents_and_a_pupils_pages_stay_within_the_budget_and_on_our_host(role, live_server, browser, capsys):
    username = live_server.logins[role][0].username
    pages: list[tuple[str | None, str]] = []
    crawl(live_server.app, username, PASSWORD, per_route=1, on_page=lambda key, url, _html: pages.append((key, url)))
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    page = context.new_page()
    meter = Meter(page)
    page.goto(live_server.url + "/login")
    page.wait_for_load_state("networkidle")
    first = meter.bytes
    first_requests = list(meter.requests)
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_selector("#home-title")
    page.wait_for_load_state("networkidle")
    over, sizes = [], []
    for _key, url in pages:
        meter.reset()
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        sizes.append((meter.bytes, url))
        if meter.bytes > NEXT_PAGE_BUDGET:
            over.append(f"{url}: {meter.bytes / 1024:.0f} KB\n  " + "\n  ".join(meter.requests))
    context.close()
    with capsys.disabled():
        largest = max(sizes) if sizes else (0, "")
        print(f"\n{role}: first load {first / 1024:.0f} KB; {len(sizes)} later pages, largest "
              f"{largest[0] / 1024:.0f} KB ({largest[1]}), mean {sum(s for s, _ in sizes) / max(1, len(sizes)) / 1024:.0f} KB")
    ours = urlsplit(live_server.url).netloc
    assert meter.hosts == {ours}, f"requests to other hosts: {meter.hosts - {ours}}"
    assert first <= FIRST_LOAD_BUDGET, f"first load {first / 1024:.0f} KB:\n" + "\n".join(first_requests)
    assert not over, "pages over the budget:\n" + "\n".join(over)
