"""The reader's site in a real browser (headless Debian Chromium + Playwright).

Each test opens the real, strictly built knowledge base served on localhost.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

MODEL_ARTICLE = "articles/baclofen-back-strain/"

PHONE = {"width": 375, "height": 812}
REPO = Path(__file__).resolve().parents[2]


def _cite_for(page: Page, key: str):  # type: ignore[no-untyped-def]
    """The first citation link of the reference whose BibTeX key is `key`."""
    number = page.locator(f"li.ekb-ref[data-ekb-key='{key}']").get_attribute("id").removeprefix("ref-")
    return page.locator(f"a.ekb-cite__link[data-ekb-ref='{number}']").first, number


def test_article_has_every_part(page: Page, base_url: str) -> None:
    page.goto(base_url + MODEL_ARTICLE)
    expect(page.locator("h1")).to_contain_text("requesting baclofen?")
    expect(page.locator(".ekb-bottom-line")).to_be_visible()
    expect(page.locator("article ol").first).to_be_visible()  # the numbered algorithm
    expect(page.locator("h2#special-considerations")).to_be_visible()
    expect(page.locator("ol.ekb-references > li .ekb-ref__kind").first).to_have_text("Drug label")
    expect(page.locator(".ekb-disclaimer")).to_contain_text("healthcare professionals")
    followup = page.locator(".ekb-followup")
    expect(followup).to_contain_text("Have a follow-up question?")
    expect(followup.locator(".ekb-related a").first).to_be_visible()
    expect(followup.get_by_role("link", name="Propose a question")).to_be_visible()
    expect(page.get_by_role("group", name="Which best describes you?")).to_be_visible()


def test_citation_preview_on_hover_and_focus(page: Page, base_url: str) -> None:
    page.goto(base_url + MODEL_ARTICLE)
    link, number = _cite_for(page, "penn1985continuous")
    card = page.locator(f"#ekb-card-{number}")
    expect(card).to_be_hidden()

    link.hover()
    expect(card).to_be_visible()
    expect(card).to_have_attribute("role", "tooltip")
    expect(card).to_contain_text("Continuous intrathecal baclofen for severe spasticity")
    expect(card.locator(".ekb-ref__kind")).to_have_text("Case series")
    expect(card.locator(".ekb-card__year")).to_have_text("1985")
    expect(card.get_by_role("link", name="DOI")).to_have_attribute("href", re.compile(r"doi\.org/10\.1016"))
    expect(card.get_by_role("link", name=re.compile("PubMed"))).to_be_visible()

    # Moving away hides it; keyboard focus shows it again, and screen
    # readers get it as the link's description.
    page.mouse.move(0, 0)
    expect(card).to_be_hidden()
    link.focus()
    expect(card).to_be_visible()
    expect(link).to_have_attribute("aria-describedby", f"ekb-card-{number}")
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()


def test_citation_preview_reached_with_the_tab_key(page: Page, base_url: str) -> None:
    page.goto(base_url + MODEL_ARTICLE)
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('a.ekb-cite__link')"):
            break
    else:
        raise AssertionError("no citation number is reachable with Tab")
    described = page.evaluate("document.activeElement.getAttribute('aria-describedby')")
    card = page.locator(f"#{described}")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("role", "tooltip")
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    page.keyboard.press("Enter")  # and the number still jumps to its entry
    number = described.removeprefix("ekb-card-")
    expect(page.locator(f"#ref-{number}")).to_be_in_viewport()


def test_citation_follows_to_entry_and_back(page: Page, base_url: str) -> None:
    page.goto(base_url + MODEL_ARTICLE)
    link, number = _cite_for(page, "mas2005intrathecal")
    cite_id = link.locator("xpath=ancestor::sup").get_attribute("id")
    assert link.get_attribute("href").endswith(f"#ref-{number}")
    # (Material's navigation.tracking soon rewrites the address bar's
    # fragment to the section in view, so the tests look at the scroll.)
    entry = page.locator(f"#ref-{number}")
    expect(entry).not_to_be_in_viewport()
    link.click()
    expect(entry).to_be_in_viewport()
    back = entry.locator(".ekb-ref__back a").first
    assert back.get_attribute("href").endswith(f"#{cite_id}")
    back.click()
    expect(page.locator(f"#{cite_id} a").first).to_be_in_viewport()
    expect(entry).not_to_be_in_viewport()


def test_citation_preview_on_tap(browser, base_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(base_url + MODEL_ARTICLE)
        link, number = _cite_for(page, "penn1985continuous")
        link.scroll_into_view_if_needed()
        link.tap()
        card = page.locator(f"#ekb-card-{number}")
        expect(card).to_be_visible()
        assert "#ref-" not in page.url  # the first tap previews
        box = card.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        card.get_by_role("link", name=f"Go to reference {number}").tap()
        expect(page.locator(f"#ref-{number}")).to_be_in_viewport()
        expect(card).to_be_hidden()
    finally:
        context.close()


def _expect_audience(page: Page, audience: str) -> None:
    other = "clinician" if audience == "patient" else "patient"
    expect(page.get_by_role("radio", name="Patient or caregiver" if audience == "patient" else "Clinician")).to_be_checked()
    # The disclaimer has a version for each audience, like the passages.
    expect(page.locator(f".ekb-disclaimer .ekb-{audience}")).to_be_visible()
    for passage in page.locator(f"article .ekb-{other}").all():
        expect(passage).to_be_hidden()
    if audience == "patient":
        expect(page.locator("article > .ekb-patient").first).to_be_visible()


def test_audience_choice_holds_across_pages_and_reload(page: Page, base_url: str) -> None:
    page.goto(base_url + MODEL_ARTICLE)
    _expect_audience(page, "clinician")  # the default
    page.get_by_role("radio", name="Patient or caregiver").check()
    _expect_audience(page, "patient")

    # Instant navigation to another article (no full reload: the script
    # re-initialises on Material's document$) keeps it ...
    page.evaluate("window.__ekbSamePage = true")
    page.locator(".ekb-related a", has_text="muscle relaxant").first.click()
    expect(page).to_have_url(re.compile("muscle-relaxants-acute-low-back-pain/"))
    expect(page.locator(".md-content h1")).to_contain_text("muscle relaxant")
    assert page.evaluate("window.__ekbSamePage") is True, "instant navigation did not happen"
    _expect_audience(page, "patient")
    link, number = _cite_for(page, "friedman2019ibuprofen")
    link.hover()
    expect(page.locator(f"#ekb-card-{number}")).to_contain_text("Tizanidine")
    # ... and so does a reload (localStorage).
    page.reload()
    _expect_audience(page, "patient")
    page.get_by_role("radio", name="Clinician").check()
    _expect_audience(page, "clinician")


def test_audience_deep_link(page: Page, base_url: str) -> None:
    page.goto(base_url + "articles/muscle-relaxants-acute-low-back-pain/?audience=patient")
    _expect_audience(page, "patient")
    # The linked choice is remembered for the next article.
    page.goto(base_url + MODEL_ARTICLE)
    _expect_audience(page, "patient")


def test_without_javascript_both_versions_show_labelled(browser, base_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base_url + MODEL_ARTICLE)
        expect(page.locator("article > .ekb-patient")).to_be_visible()
        label = page.locator("article > .ekb-patient").evaluate(
            "el => getComputedStyle(el, '::before').content"
        )
        assert "patients" in label
        expect(page.locator(".ekb-audience-switch")).to_have_count(0)
        # Citation numbers are still plain links to the list.
        expect(page.locator("a.ekb-cite__link").first).to_have_attribute("href", re.compile("^#ref-"))
    finally:
        context.close()


def test_print_shows_both_versions_without_chrome(page: Page, base_url: str) -> None:
    page.goto(base_url + MODEL_ARTICLE + "?audience=clinician")
    page.emulate_media(media="print")
    expect(page.locator("article > .ekb-patient")).to_be_visible()
    expect(page.locator(".ekb-clinician").first).to_be_visible()
    expect(page.locator(".md-header")).to_be_hidden()
    expect(page.locator(".md-sidebar--primary")).to_be_hidden()
    expect(page.locator(".ekb-audience-switch")).to_be_hidden()
    expect(page.locator("ol.ekb-references")).to_be_visible()


def test_search_finds_a_drug_and_reaches_its_article(page: Page, base_url: str) -> None:
    page.goto(base_url)
    page.keyboard.press("s")  # Material's shortcut to the search box
    expect(page.locator("input.md-search__input")).to_be_focused()
    page.keyboard.type("tizanidine")
    result = page.locator(".md-search-result__item a[href*='muscle-relaxants-acute-low-back-pain']").first
    expect(result).to_be_visible()
    result.click()
    expect(page).to_have_url(re.compile("articles/muscle-relaxants-acute-low-back-pain/"))
    expect(page.locator(".md-content h1")).to_contain_text("muscle relaxant")


def test_search_finds_an_article_by_question_words(page: Page, base_url: str) -> None:
    page.goto(base_url + MODEL_ARTICLE)
    page.keyboard.press("s")
    page.keyboard.type("which NSAID risks")
    result = page.locator(".md-search-result__item a[href*='nsaid-choice-low-back-pain']").first
    expect(result).to_be_visible()
    result.click()
    expect(page.locator(".md-content h1")).to_contain_text("Which NSAID")
    expect(page.locator(".ekb-audience-switch")).to_have_count(1)  # set up again after instant navigation


def test_home_page_lists_questions_by_specialty_and_recent(page: Page, base_url: str) -> None:
    page.goto(base_url)
    expect(page.locator("ul.ekb-recent li a")).to_have_count(4)
    # Material's tags plugin lists the questions under each specialty.
    expect(page.locator("h3", has_text="Pharmacology")).to_be_visible()
    expect(page.locator("h3", has_text="Musculoskeletal")).to_be_visible()


def test_phone_has_no_horizontal_overflow(browser, base_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        articles = sorted(p.name for p in (REPO / "docs" / "articles").glob("*.md"))
        for path in ["", *(f"articles/{name.removesuffix('.md')}/" for name in articles)]:
            page.goto(base_url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"/{path}: page is {width}px wide at {PHONE['width']}px"
    finally:
        context.close()


def test_axe_finds_no_serious_violations(page: Page, base_url: str, axe_script: Path) -> None:
    # Light and dark: Material picks its palette from the colour scheme.
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(base_url + MODEL_ARTICLE)
        page.add_script_tag(path=str(axe_script))
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{scheme}:\n" + "\n".join(bad)


def test_screenshots_of_the_model_article(browser, base_url: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    for name, viewport, mobile in (("desktop", {"width": 1280, "height": 900}, False), ("phone", PHONE, True)):
        context = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile)
        page = context.new_page()
        try:
            page.goto(base_url + MODEL_ARTICLE)
            page.wait_for_load_state("networkidle")
            out = artifacts / f"model-article-{name}.png"
            page.screenshot(path=str(out), full_page=True)
            # And the top of the page with a citation preview open.
            link, _ = _cite_for(page, "penn1985continuous")
            link.scroll_into_view_if_needed()
            if mobile:
                link.tap()
            else:
                link.hover()
            page.screenshot(path=str(artifacts / f"model-article-{name}-preview.png"))
            assert out.stat().st_size > 10_000
            if not mobile:
                # The patient version, and the article as printed.
                page.goto(base_url + MODEL_ARTICLE + "?audience=patient")
                page.screenshot(path=str(artifacts / "model-article-patient.png"))
                page.goto(base_url + MODEL_ARTICLE + "?audience=clinician")
                page.emulate_media(media="print")
                page.screenshot(path=str(artifacts / "model-article-print.png"), full_page=True)
                page.pdf(path=str(artifacts / "model-article.pdf"))
        finally:
            context.close()


def test_patient_choice_on_an_article_without_a_patient_version(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import os
    import shutil
    import subprocess
    import sys

    from .conftest import serve

    root = tmp_path / "reader"
    shutil.copytree(REPO / "tests" / "roots" / "reader", root)
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"],
        cwd=root, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    context = browser.new_context()
    page = context.new_page()
    try:
        with serve(root / "site") as base:
            page.goto(base + "articles/b/?audience=patient")
            expect(page.locator(".ekb-audience-switch__note")).to_have_text(
                "This article has no plain-language version yet: it is written for clinicians."
            )
            page.goto(base + "articles/a/")
            expect(page.locator(".ekb-audience-switch__note")).to_be_hidden()
            expect(page.locator("article > .ekb-patient")).to_be_visible()
    finally:
        context.close()
