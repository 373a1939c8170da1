"""Script from content never reaches a reader: rejected by the check, and removed by the build."""

from __future__ import annotations

import shutil

import pytest
from adversarial_helpers import REPO, ROOTS, build, check, finding_lines
from scan_site import scan_html, scan_site

from runner import copy_real_kb

XSS = ROOTS / "adversarial-xss"
A = "docs/articles/attack.md"
OUT_OF_POLICY = "link to an http(s), mailto or relative address"
# Every trap in tests/roots/adversarial-xss, as the check reports it.
EXPECTED = [
    f"{A}:2:1: front matter 'title': markup `<img src=x onerror=alert('title')>` is not allowed in front matter: write plain text",
    f"{A}:7:12: '<script>' element is not allowed: pages may not run scripts or embed other documents",
    f"{A}:9:1: '<script>' element is not allowed: pages may not run scripts or embed other documents",
    f"{A}:14:3: event-handler attribute `onerror=\"alert('multi-line')\"` is not allowed: pages may not run scripts",
    f"{A}:16:21: javascript: URL 'javascript:alert(\"link\")' is not allowed: {OUT_OF_POLICY}",
    f"{A}:16:71: javascript: URL '&#106;avascript:alert(\"entity\")' is not allowed: {OUT_OF_POLICY}",
    f"{A}:18:16: javascript: URL 'jav&#x09;ascript:alert(\"tab\")' is not allowed: {OUT_OF_POLICY}",
    f"{A}:18:65: data: URL 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==' is not allowed: {OUT_OF_POLICY}",
    f"{A}:21:4: event-handler attribute `onclick=\"alert('attr_list')\"` is not allowed: pages may not run scripts",
    f"{A}:23:4: javascript: URL in `href=\"JaVaScRiPt:alert('raw')\"` is not allowed: {OUT_OF_POLICY}",
    f"{A}:23:52: '<iframe>' element is not allowed: pages may not run scripts or embed other documents",
    f"{A}:25:15: event-handler attribute `onmouseover=\"alert('div')\"` is not allowed: pages may not run scripts",
    f"{A}:31:9: javascript: URL 'javascript:alert(\"reference\")' is not allowed: {OUT_OF_POLICY}",
    # Its only address is a javascript: URL: nothing a reader can follow.
    "references.bib:8:1: warning: entry 'smuggle2021' is cited but has nothing a reader can follow to the source: "
    "add its doi, pmid, pmcid, isbn or url",
    "references.bib:10:1: entry 'smuggle2021', field 'title': '<script>' element is not allowed: "
    "pages may not run scripts or embed other documents",
    "references.bib:11:1: entry 'smuggle2021', field 'journal': event-handler attribute "
    "'onerror=alert(\"journal\")' is not allowed: pages may not run scripts",
    "references.bib:13:1: warning: entry 'smuggle2021': url 'javascript:alert(\"url\")' is not one http(s) address, "
    "so readers get no link",
    "references.bib:16:1: warning: entry 'odd<b>key' is cited but has nothing a reader can follow to the source: "
    "add its doi, pmid, pmcid, isbn or url",
]


def _copy(source, dest):
    # Never the source tree's .cache: it may hold a library parsed with other checks.
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".cache", "site"))
    return dest


def test_check_rejects_every_script_with_its_line(tmp_path):
    result = check(_copy(XSS, tmp_path / "site"))
    assert result.returncode == 1
    assert finding_lines(result.stdout) == EXPECTED
    # Code is shown, never run: neither the code span nor the fenced block is reported.
    assert ":35:" not in result.stdout and ":38:" not in result.stdout


def test_build_refuses_the_page_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = build(_copy(XSS, tmp_path / "site"), site_dir=out)
    assert result.returncode != 0 and "Traceback" not in result.output
    assert f"{A}:7:12: '<script>' element is not allowed" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_sanitiser_removes_what_the_check_would_miss(tmp_path, monkeypatch):
    """Defence in depth: with the check's scan switched off, the built site still runs no content script."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    import evidence_kb.engine.bib.traps
    import evidence_kb.engine.check.checker
    import evidence_kb.hosts.mkdocs.plugin

    for module in (evidence_kb.engine.check.checker, evidence_kb.hosts.mkdocs.plugin):
        monkeypatch.setattr(module, "page_findings", lambda *args, **kwargs: [])
    monkeypatch.setattr(evidence_kb.engine.bib.traps, "scan_markup", lambda *args, **kwargs: [])
    site = _copy(XSS, tmp_path / "copy")
    out = tmp_path / "out"
    mkdocs_build(load_config(str(site / "mkdocs.yml"), site_dir=str(out)))
    page = (out / "articles" / "attack" / "index.html").read_text(encoding="utf-8")
    assert scan_site(out) == {}
    # Legitimate content survives: citations, the reference list, code shown as text.
    assert 'class="ekb-cite"' in page and 'class="ekb-references"' in page
    assert "&lt;script&gt;alert(\"code\")&lt;/script&gt;" in page
    # Front-matter text reaches the theme as plain text: no live markup, no attribute break-out.
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'content="x&quot; onfocus=&quot;alert(1)&quot; autofocus=&quot;"' in home
    assert "<title>Attack - Adversarial XSS</title>" in page


def test_scanner_sees_what_it_should():
    head = '<html><head><title>x</title><script>alert(1)</script></head>'
    body = '<article class="md-content__inner md-typeset"><a href="&#106;avascript:x">a</a><img src=x onerror=1></article>'
    assert len(scan_html(head + body)) == 3


SITES = sorted(p.name for p in ROOTS.iterdir() if (p / "mkdocs.yml").is_file())


@pytest.mark.parametrize("name", ["repo", *SITES])
def test_every_site_that_builds_runs_no_content_script(tmp_path, name):
    """Build the real knowledge base and every fixture site; scan every page that gets written."""
    source = REPO if name == "repo" else ROOTS / name
    root = tmp_path / "site"
    if name == "repo":
        copy_real_kb(root)
    else:
        _copy(source, root)
    out = tmp_path / "out"
    result = build(root, site_dir=out)
    assert "Traceback" not in result.output, result.output
    if result.returncode != 0:
        assert not out.exists() or not any(out.iterdir()), "a failed build left files behind"
        return
    assert scan_site(out) == {}
