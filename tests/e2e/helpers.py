"""What the browser tests do again and again, written once: sign in and out, read or change the
served demo's database, take the screenshots a reviewer looks at, and run axe-core on a page."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PASSWORD = "hoc-tap-vui-ve-2026"   # every demo account's (lms/demo)


def sign_in_as(page, base: str, username: str, password: str = PASSWORD, school: str | None = None):
    """Sign in through the form and wait for the home page with its scripts bound (the dropdown
    menus are bound after parsing). `school`: at that school's own address (`/login?school=thcs-nd`),
    where a pupil types the code alone. Returns the page."""
    page.goto(base + (f"/login?school={school}" if school else "/login"))
    page.fill("#identifier", username)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_selector("#home-title")
    page.wait_for_load_state("load")
    return page


def sign_in_new_page(context, base: str, username: str, password: str = PASSWORD, school: str | None = None):
    """A new page of `context` (a second browser, a phone), signed in."""
    return sign_in_as(context.new_page(), base, username, password, school)


def sign_out(page) -> None:
    """The user menu's “Đăng xuất”, once the menu's script is bound: on a busy machine the first
    click on the menu can land before the page has finished loading."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_load_state("load")
    for _attempt in range(3):
        page.click("#user-menu")
        try:
            page.locator("#logout").wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    page.click("#logout")


def in_db(live_server, fn):
    """`fn(session)` in an app context of the served demo; returns what it returns."""
    from lms.extensions import db

    with live_server.app.app_context():
        return fn(db.session)


def shot(page, name: str) -> None:
    """Screenshots of the page at desktop width and on a 390 px phone, into LMS_SHOT_OUT when it
    is set (nothing otherwise); the page is left at desktop width."""
    folder = os.environ.get("LMS_SHOT_OUT")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


# ---------------------------------------------------------------- axe-core

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# The WCAG 2.0, 2.1 and 2.2 success criteria of levels A and AA (axe's own tags for them).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

# A sticky bar (a form's save bar, the exam's clock) lies over whichever rows happen to scroll under
# it; where its edge cuts a field, axe's target-size would measure the sliver left showing, a matter
# of pixels that changes with the window's height. Content scrolls from under a sticky bar (that a
# focused field is never left under one, WCAG 2.4.11, is test_accessibility_by_hand's), so the scan
# lays sticky elements out in the flow first: a bar's own targets are still measured, where they are.
_RUN_AXE = """async tags => {
  for (const e of document.querySelectorAll('body *')) {
    if (getComputedStyle(e).position === 'sticky') e.style.setProperty('position', 'static', 'important');
  }
  // The page's own resize handlers (the scroll boxes of wide tables) run before the next frame.
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  // target-size (2.5.8, new in WCAG 2.2) is off in axe unless asked for.
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
                                          rules: {'target-size': {enabled: true}}});
  return result.violations.map(v => ({id: v.id, help: v.help, count: v.nodes.length,
                                      target: v.nodes[0].target.join(' '), html: v.nodes[0].html.slice(0, 160)}));
}"""


def axe_source() -> str:
    """axe-core's script (tests/e2e/axe, installed by `npm ci`, never fetched at test time), to add
    to a browser context with `context.add_init_script(script=axe_source())`."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `npm ci --prefix tests/e2e/axe` (.ci/run does)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """axe's WCAG A and AA violations on the page as it is: each {id, help, count, target, html}."""
    return page.evaluate(_RUN_AXE, AXE_TAGS)
