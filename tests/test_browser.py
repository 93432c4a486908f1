"""The HTML report as a person sees it: the seed's report in headless Chromium.

Drives Debian's ``chromium`` through Playwright (``pip install playwright``,
never ``playwright install``: no browser is downloaded). Without Chromium the
tests are skipped on a developer's machine and fail on CI (``CI`` set), where
the README's test command installs it.
"""

from __future__ import annotations

import json
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
def seed_result():
    """The seed aligned by the real pipeline."""
    from align.api import align_files

    return align_files(SEED)


@pytest.fixture(scope="module")
def report(tmp_path_factory, seed_result) -> Path:
    """The seed's HTML report, from the real pipeline."""
    path = tmp_path_factory.mktemp("report") / "seed.html"
    export(seed_result, path)
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
    # Pairs with QA findings stay visible with the gaps (they need a look too).
    aligned = page.locator("main article.bead:not(.gap):not(.flagged)")
    assert page.locator("main article.bead.flagged:not(.gap)").count() >= 1
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
    flagged = page.locator("main article.bead.flagged")
    assert all(visible(flagged.nth(i)) for i in range(flagged.count()))
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


# --- the review editor (issue 17) -------------------------------------------------

TMX_DTD = ROOT.parent / "shared" / "specs" / "tmx14.dtd"
if not TMX_DTD.is_file():
    TMX_DTD = ROOT / "data" / "tmx14.dtd"  # the same DTD, kept in the repository


def _row(page, text: str):
    row = page.locator("main article.bead", has_text=text)
    assert row.count() == 1, text
    return row


def _edit(page, text: str, act: str) -> None:
    """Click a row (as a person does, which shows its tools), then one of its tools."""
    row = _row(page, text)
    row.locator(".cell").first.click()
    row.locator(f"aside .tools button[data-act={act}]").click()


def _tmx_pairs(path: Path) -> list[tuple[str, str, bool]]:
    from lxml import etree

    tree = etree.parse(str(path))
    assert etree.DTD(str(TMX_DTD)).validate(tree), "TMX does not validate against tmx14.dtd"
    return [(tu.findtext("tuv[1]/seg"), tu.findtext("tuv[2]/seg"),
             tu.find("prop[@type='x-reviewed']") is not None) for tu in tree.iter("tu")]


def test_review_edit_save_and_export_tmx(page, seed_result, tmp_path):
    """Merge two rows, split one, dismiss a gap, save; the exported TMX holds the corrected pairs."""
    from align.cli import main

    a = seed_result
    en = [s.text for s in a.en.sentences]
    zh = [s.text for s in a.zh.sentences]
    beads = a.sentence_beads
    # The rows we edit, found by text: two neighbouring 1-1 pairs, and the 1-2 pair.
    first = next(k for k, b in enumerate(beads) if not b.is_gap and not beads[k + 1].is_gap)
    two = next(k for k, b in enumerate(beads) if len(b.en) == 1 and len(b.zh) == 2)
    merged_en = en[beads[first].en[0]]
    split_en = en[beads[two].en[0]]
    _edit(page, merged_en[:40], "merge")
    assert _row(page, merged_en[:40]).locator(".type").inner_text() == "2-2"
    _edit(page, split_en[:40], "split")
    assert _row(page, split_en[:40]).locator(".type").inner_text() == "1-1"
    # Dismiss the tenfold gap (say the reviewer judged it a false alarm), with a comment.
    gap = _row(page, TENFOLD)
    gap.locator("aside .decide button[data-value=dismissed]").click()
    gap.locator("aside input.comment").fill("summary sentence, fine")
    assert "dismissed" in _row(page, TENFOLD).get_attribute("class").split()
    page.screenshot(path=str(tmp_path / "edited.png"), full_page=False)
    with page.expect_download() as download:
        page.locator("#save").click()
    saved = tmp_path / "corrected.json"
    download.value.save_as(saved)

    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["schema"] == 1 and len(data["sentence_beads"]) == len(beads)  # -1 merge, +1 split
    reviewed = [b for b in data["sentence_beads"] if b.get("reviewed")]
    assert [b["bead"] for b in reviewed] == ["2-2", "1-1", "0-1"]
    dismissed = [g for g in data["gaps"] if g.get("status") == "dismissed"]
    assert len(dismissed) == 1 and TENFOLD in dismissed[0]["text"]
    assert dismissed[0]["comment"] == "summary sentence, fine"

    out = tmp_path / "pairs.tmx"
    assert main(["export", str(saved), "-o", str(out)]) == 0
    expected = []
    for k, b in enumerate(beads):
        if k == first + 1 or b.is_gap:
            continue
        if k == first:
            b2 = beads[k + 1]
            expected.append((f"{en[b.en[0]]} {en[b2.en[0]]}", zh[b.zh[0]] + zh[b2.zh[0]], True))
        elif k == two:
            expected.append((en[b.en[0]], zh[b.zh[0]], True))
        else:
            expected.append((" ".join(en[i] for i in b.en), "".join(zh[i] for i in b.zh), False))
    assert _tmx_pairs(out) == expected


def test_next_gap_key_moves_focus(page):
    rows = page.locator("main article.bead")
    gaps = [i for i in range(rows.count()) if {"gap", "flagged"} & set(rows.nth(i).get_attribute("class").split())]
    page.locator("body").press("n")
    assert page.evaluate("document.activeElement.id") == rows.nth(gaps[0]).get_attribute("id")
    page.locator("body").press("n")
    assert page.evaluate("document.activeElement.id") == rows.nth(gaps[1]).get_attribute("id")
    page.locator("body").press("p")
    assert page.evaluate("document.activeElement.id") == rows.nth(gaps[0]).get_attribute("id")
    # From the tenfold gap, n goes to the next gap or finding after it.
    tenfold = _row(page, TENFOLD)
    tenfold.locator(".cell.zh").click()
    index = int(tenfold.get_attribute("data-row"))
    page.locator("body").press("n")
    following = next(i for i in gaps if i > index)
    assert page.evaluate("document.activeElement.id") == rows.nth(following).get_attribute("id")
    assert "current" in rows.nth(following).get_attribute("class").split()


def test_undo_search_and_filters(page):
    count = page.locator("main article.bead").count()
    _edit(page, "Russia and Kazakhstan share", "unlink")
    assert page.locator("main article.bead").count() == count + 1
    page.locator("body").press("u")
    assert page.locator("main article.bead").count() == count
    assert page.locator("#undo").is_disabled()
    page.locator("select[data-filter=show]").select_option("only-zh")
    shown = page.locator("main article.bead:not([hidden])")
    assert shown.count() >= 5 and all("only-zh" in shown.nth(i).get_attribute("class")
                                      for i in range(shown.count()))
    page.locator("select[data-filter=show]").select_option("all")
    page.locator("select[data-filter=label]").select_option("heading")
    assert all(shown.nth(i).locator(".kind", has_text="heading").count()
               for i in range(shown.count())) and shown.count() >= 2
    page.locator("select[data-filter=label]").select_option("")
    page.locator("#search").fill("Aktau")
    assert shown.count() == 1 and "Aktau" in shown.first.inner_text()
    page.locator("#search").fill("")
    scores = sorted(float(t) for t in page.locator("main article.bead .score").all_inner_texts())
    low = scores[len(scores) // 4]  # a quarter of the pairs score below this
    page.locator("input[data-filter=score]").fill(str(low))
    shown_scores = [float(t) for t in shown.locator(".score").all_inner_texts()]
    assert shown.count() == len(shown_scores) == sum(s < low for s in scores) > 0
    assert all(s < low for s in shown_scores)


def test_split_here_between_any_two_sentences(page):
    """Merge three pairs into one 3-3 row, then cut it before its third English sentence."""
    first = "Russia and Kazakhstan share"
    _edit(page, first, "merge")
    _edit(page, first, "merge")
    row = _row(page, first)
    assert row.locator(".type").inner_text() == "3-3"
    cuts = row.locator("button.cut[data-lang=en]")
    assert cuts.count() == 2 and cuts.nth(1).is_visible()
    cuts.nth(1).click()
    assert _row(page, first).locator(".type").inner_text() == "2-2"
    following = page.locator(f"#{_row(page, first).get_attribute('id')} + article.bead")
    assert following.locator(".type").inner_text() == "1-1"
    assert "edited" in following.get_attribute("class").split()


def test_move_a_sentence_to_the_next_row(page):
    text = "Russia and Kazakhstan share"
    row = _row(page, text)
    row.locator(".cell").first.click()
    row.locator("aside .tools button[data-act=move][data-lang=zh][data-dir=down]").click()
    row = _row(page, text)
    assert row.locator(".type").inner_text() == "1-0" and "only-en" in row.get_attribute("class")
    following = page.locator(f"#{row.get_attribute('id')} + article.bead")
    assert following.locator(".type").inner_text() == "1-2"
    # The moved sentence now opens the next row.
    assert "俄羅斯和哈薩克斯坦" in following.locator(".cell.zh .seg").first.inner_text()
    page.locator("#undo").click()
    assert _row(page, text).locator(".type").inner_text() == "1-1"


def test_without_script_the_page_is_a_read_only_report(browser, report):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(report.as_uri())
        assert not page.locator("#editor").is_visible()
        assert page.locator("main article.bead.gap", has_text=TENFOLD).is_visible()
        assert page.locator("main .tools").count() == 0
    finally:
        context.close()


def _random_edits(page, seed_rows, ops) -> dict:
    return page.evaluate("""([ops]) => {
        const ed = window.alignEditor, before = ed.state.rows.length;
        let applied = 0;
        for (const [op, pick, a, b] of ops) {
            const k = pick % ed.state.rows.length;
            const row = ed.state.rows[k];
            let args = [k];
            if (op === "split") args = [k, a % (row.en.length + 1), b % (row.zh.length + 1)];
            if (op === "move") args = [k, a % 2 ? "zh" : "en", b % 2 === 0];
            if (ed.apply(op, args)) applied += 1;
        }
        const rows = ed.state.rows.map(r => [r.en, r.zh]);
        const dom = Array.from(document.querySelectorAll("main article.bead")).map(
            e => ["en", "zh"].map(l => Array.from(e.querySelectorAll(".cell." + l + " .t")).map(t => {
                const c = t.cloneNode(true);  // the text without its label chip
                c.querySelectorAll(".kind").forEach(k => k.remove());
                return c.textContent;
            })));
        while (ed.state.history.length) document.getElementById("undo").click();
        return {applied, rows, dom, undone: ed.state.rows.map(r => [r.en, r.zh]), before};
    }""", [ops])


def test_invariant_under_random_edit_sequences(browser, report, seed_result):
    """Property: any sequence of edits leaves every sentence in exactly one row, in order;
    the page shows the rows as the model holds them; undo restores the start."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    a = seed_result
    en, zh = [s.text for s in a.en.sentences], [s.text for s in a.zh.sentences]
    start = [[list(b.en), list(b.zh)] for b in a.sentence_beads]
    context = browser.new_context()
    page = context.new_page()
    page.goto(report.as_uri())
    op = st.tuples(st.sampled_from(["merge", "split", "move", "unlink"]), st.integers(0, 500),
                   st.integers(0, 9), st.integers(0, 9))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(op, min_size=1, max_size=25))
    def check(ops):
        out = _random_edits(page, start, ops)
        for side, lang in ((0, en), (1, zh)):
            assert [i for row in out["rows"] for i in row[side]] == list(range(len(lang)))
        assert all(row[0] or row[1] for row in out["rows"])
        assert len(out["dom"]) == len(out["rows"])
        for row, shown in zip(out["rows"], out["dom"], strict=True):
            assert shown[0] == [en[i] for i in row[0]] and shown[1] == [zh[i] for i in row[1]]
        assert out["undone"] == start

    try:
        check()
    finally:
        context.close()


_CJK_FONTS = {"Noto Sans CJK TC", "Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei",
              "WenQuanYi Micro Hei", "Droid Sans Fallback", "Source Han Sans TC", "PingFang TC"}


def _fonts_used(page, selector: str) -> set[str] | None:
    """The fonts Chromium really draws the first match's text with (DevTools protocol);
    None when the system has no CJK font at all (install fonts-wqy-zenhei or fonts-noto-cjk)."""
    if not shutil.which("fc-list") or not os.popen("fc-list :lang=zh family").read().strip():
        return None
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {f["familyName"] for f in fonts}


def test_screenshots_wide_narrow_and_chinese_font(browser, report, tmp_path):
    """Screenshots to look at: wide, 400 px narrow; the Chinese text uses a CJK font."""
    for name, width in (("wide", 1280), ("narrow", 400)):
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            page.goto(report.as_uri())
            page.locator("body").press("n")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(tmp_path / f"editor-{name}.png"))
            tenfold = _row(page, TENFOLD)
            tenfold.scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / f"editor-{name}-zh.png"))
            family = tenfold.locator(".cell.zh .t").evaluate("e => getComputedStyle(e).fontFamily")
            assert "Noto Sans CJK TC" in family and "WenQuanYi Zen Hei" in family
            used = _fonts_used(page, "main article.bead.only-zh .cell.zh .t")
            if used is not None:  # the glyphs come from a CJK font of the stack
                assert used & _CJK_FONTS, used
        finally:
            context.close()
    assert (tmp_path / "editor-narrow.png").stat().st_size > 10_000
