"""Issue 6: the reader's site as built HTML — audience passages, the claim
check inside them, disclaimer and follow-up from configuration, related
articles, recently updated. (The same in a real browser: tests/browser/.)"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO, evidencekb, mkdocs_build


def _html(root: Path, page: str) -> str:
    return (root / "site" / page / "index.html").read_text(encoding="utf-8")


def test_uncited_claim_in_audience_passages_is_reported(site_copy) -> None:
    root = site_copy("audience-uncited")
    result = evidencekb(root, "check")
    assert result.returncode == 1, result.output
    assert 'docs/articles/a.md:11:1: claim without citation: "Baclofen is safe for everyone with back pain."' in result.stdout
    assert 'docs/articles/a.md:17:3: claim without citation: "An uncited clinician item"' in result.stdout
    build = mkdocs_build(root)
    assert build.returncode != 0
    assert "docs/articles/a.md:11:1: claim without citation" in build.output
    assert not (root / "site" / "articles").exists()


def test_audience_passages_render_as_marked_blocks(site_copy) -> None:
    root = site_copy("reader")
    build = mkdocs_build(root)
    assert build.returncode == 0, build.output
    html = _html(root, "articles/a")
    patient = re.search(r'<div class="ekb-patient">\s*<p>Plain words for patients <sup class="ekb-cite"', html)
    assert patient, html
    assert re.search(r'<div class="ekb-clinician">\s*<ul>\s*<li>Detail for clinicians', html)
    # No inline script or handler in the article (an allow-list sanitiser keeps it).
    body = html[html.index('<article class="md-content__inner'):html.index("</article>")]
    assert "<script" not in body and not re.search(r"\son[a-z]+=", body)


def test_disclaimer_and_follow_up_come_from_configuration(site_copy) -> None:
    root = site_copy("reader")
    assert mkdocs_build(root).returncode == 0
    html = _html(root, "articles/a")
    assert '<aside class="ekb-after" data-ekb-article' in html
    assert "Custom disclaimer for this site." in html
    assert "Have a follow-up question?" in html
    assert '<a class="md-button" href="https://example.org/propose">Propose a question</a>' in html
    # Related: C shares a reference (scores higher), B shares a tag; D nothing.
    related = re.findall(r'<li>\s*<a href="([^"]+)">([^<]+)</a>\s*<span class="ekb-related__why">([^<]+)</span>', html)
    assert [(href, why) for href, _, why in related] == [
        ("../c/", "1 shared reference"),
        ("../b/", "Neurology"),
    ]
    # Pages that are not articles get neither.
    assert "ekb-after" not in (root / "site" / "index.html").read_text(encoding="utf-8")


def test_home_page_lists_recently_updated_articles(site_copy) -> None:
    root = site_copy("reader")
    assert mkdocs_build(root).returncode == 0
    html = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "evidence-kb:recently-updated" not in html
    titles = re.findall(r'<li><a href="articles/[a-d]/">([^<]+)</a>', html)
    assert titles == [
        "Question B shares a tag?",
        "Question A?",
        "Question C shares a reference?",
        "Question D shares nothing?",
    ]
    assert '<time datetime="2025-03-01">2025-03-01</time>' in html


def test_reader_assets_are_loaded_on_every_page(site_copy) -> None:
    root = site_copy("reader")
    assert mkdocs_build(root).returncode == 0
    for page in ("index.html", "articles/a/index.html"):
        html = (root / "site" / page).read_text(encoding="utf-8")
        assert "assets/evidence-kb/ekb-reader.js" in html
        assert "assets/evidence-kb/ekb-reader.css" in html
    js = (root / "site" / "assets" / "evidence-kb" / "ekb-reader.js").read_text(encoding="utf-8")
    assert "document$" in js  # re-initialised under instant navigation


# Labels a reference's kind may carry (issue 20).
KINDS = {"Guideline", "Systematic review", "Randomised trial", "Cohort study", "Case series",
         "Health technology assessment", "Drug label", "Narrative review", "Web page", "Other"}


def _fields(entry: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\w+)\s*=\s*(.*?),?$", entry, re.M))


def test_real_articles_cite_only_vetted_or_existing_references() -> None:
    # Every journal article or guideline the articles cite carries the vetted
    # list's data field for field (its `note`, the kind, becomes `kind`);
    # anything else is a drug label a reader can follow by its address.
    # A copy of the project's list of references checked against primary sources.
    vetted = REPO / "tests" / "data" / "vetted-references.bib"
    vetted_text = vetted.read_text(encoding="utf-8")
    library = (REPO / "references.bib").read_text(encoding="utf-8")
    names = sorted(p.stem for p in (REPO / "docs" / "articles").glob("*.md"))
    assert len(names) == 4
    for name in names:
        text = (REPO / "docs" / "articles" / f"{name}.md").read_text(encoding="utf-8")
        for key in sorted(set(re.findall(r"\[@([A-Za-z0-9_:-]+)", text) + re.findall(r"; @([A-Za-z0-9_:-]+)", text))):
            entry = re.search(r"@\w+\{" + re.escape(key) + r",.*?\n\}", library, re.DOTALL)
            assert entry, f"{name}: {key} not in references.bib"
            fields = _fields(entry.group(0))
            assert fields.get("kind", "").strip("{}") in KINDS, f"{key}: kind {fields.get('kind')!r}"
            assert not key.startswith(("droracle", "praxis")), f"{name} cites the unverifiable {key}"
            source = re.search(r"@\w+\{" + re.escape(key) + r",.*?\n\}", vetted_text, re.DOTALL)
            if source is None:
                assert fields["kind"] == "{Drug label}", f"{key} is neither vetted nor a drug label"
                assert fields.get("url", "").startswith("{https://"), f"{key}: a drug label needs its address"
                continue
            expected = _fields(source.group(0))
            expected.pop("note", None)
            got = dict(fields)
            got.pop("kind")
            # `updated` (a living guideline's last revision, which the age rule
            # reads) must say what the vetted entry's addendum says.
            updated = got.pop("updated", None)
            if updated:
                assert expected.get("addendum", "").startswith("{Last updated"), f"{key}: `updated` without a source"
                year = updated.strip("{}")[:4]
                assert year in expected["addendum"], f"{key}: `updated` {updated} is not the addendum's date"
            assert got == expected, f"{key} differs from tests/data/vetted-references.bib"
