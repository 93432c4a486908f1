"""The HTML report as a person sees it: the seed's report in headless Chromium.

Drives Debian's ``chromium`` through Playwright (``pip install playwright``,
never ``playwright install``: no browser is downloaded). Without Chromium the
tests are skipped on a developer's machine and fail on CI (``CI`` set), where
the README's test command installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from align.exporters import export

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_f1284998f700f5c0.txt"
CHROMIUM = os.environ.get("ALIGN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Line 48 of the seed: a Chinese paragraph with no English counterpart.
TENFOLD = "雖然沒有什麼可以取代這一數量"

pytestmark = pytest.mark.slow


def _unavailable(reason: str) -> None:
    """Fail on CI, where the browser must be there; skip on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable('playwright is not installed: pip install -e ".[test]"')
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    with sync_playwright() as pw:
        # A Chromium that is installed but cannot start is an error everywhere.
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=120_000)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The seed's HTML report, from the real pipeline."""
    from align.api import align_files

    path = tmp_path_factory.mktemp("report") / "seed.html"
    export(align_files(SEED), path)
    return path


@pytest.fixture()
def page(browser, report):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.goto(report.as_uri())
    yield page
    context.close()


def visible(locator) -> bool:
    """Whether the element is rendered (computed display and size, as a person sees it)."""
    return locator.evaluate(
        "e => getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0")


def test_tenfold_paragraph_is_a_chinese_only_gap(page, tmp_path):
    bead = page.locator("main article.bead", has_text=TENFOLD)
    assert bead.count() == 1
    classes = bead.get_attribute("class").split()
    assert "gap" in classes and "only-zh" in classes
    assert visible(bead) and bead.is_visible()
    zh = bead.locator(".cell.zh")
    assert TENFOLD in zh.inner_text() and "48" in zh.locator(".ln").inner_text()
    assert "Chinese only" in bead.locator(".cell.en.empty").inner_text()
    assert "sure" in bead.locator(".gapinfo").inner_text()
    # Highlighted: the Chinese cell has the Chinese-only background, not the page's.
    body_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    zh_bg = zh.evaluate("e => getComputedStyle(e).backgroundColor")
    assert zh_bg not in (body_bg, "rgba(0, 0, 0, 0)")
    # The list of gaps at the top links to it.
    link = page.locator("details.gaps a", has_text=TENFOLD[:8])
    assert link.count() == 1 and link.get_attribute("href") == f"#{bead.get_attribute('id')}"
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_only_gaps_toggle_hides_aligned_beads(page, tmp_path):
    aligned = page.locator("main article.bead:not(.gap)")
    gaps = page.locator("main article.bead.gap")
    assert aligned.count() >= 20 and gaps.count() >= 5
    first_aligned, tenfold = aligned.first, page.locator("main article.bead", has_text=TENFOLD)
    assert visible(first_aligned) and visible(tenfold)
    page.locator("label[for=only-gaps]").click()
    assert page.locator("#only-gaps").is_checked()
    assert not visible(first_aligned) and not first_aligned.is_visible()
    assert all(not visible(aligned.nth(i)) for i in range(aligned.count()))
    assert all(visible(gaps.nth(i)) for i in range(gaps.count()))
    assert visible(tenfold)
    page.screenshot(path=str(tmp_path / "only-gaps.png"), full_page=True)
    page.locator("label[for=only-gaps]").click()  # and back
    assert visible(first_aligned)


def test_narrow_screen_stacks_the_columns(browser, report, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        page.goto(report.as_uri())
        bead = page.locator("main article.bead", has_text=TENFOLD)
        en, zh = bead.locator(".cell.en"), bead.locator(".cell.zh")
        assert en.bounding_box()["y"] < zh.bounding_box()["y"]  # stacked, not side by side
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing overflows sideways
        page.screenshot(path=str(tmp_path / "narrow.png"), full_page=True)
    finally:
        context.close()
