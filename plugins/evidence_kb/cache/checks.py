"""A warm cache for `evidencekb check`: unchanged pages are not checked again.

Checking a page means rendering it with line markers; checking a thousand
pages takes seconds, and parsing a library of thousands of entries nearly
one more. Yet a page's findings depend only on:

- the page's own text (digest of its bytes),
- the library (digest of `references.bib`'s bytes),
- everything else the check reads: the site's options and Markdown
  extensions, our code by content (cache/store.py), today's date (reviews
  fall due).

Per-page results are kept in `.cache/evidence-kb/check.json` under those
keys, and so are the library's own findings (for the same set of cited
keys). When every page is unchanged the library is not even parsed. Paths
in the key are relative to the project, so a fresh clone elsewhere with the
folder restored finds its results. Written and read by cache/store.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from evidence_kb.cache import store
from evidence_kb.cache.store import CACHE_DIR, log
from evidence_kb.engine.bib.library import Bibliography
from evidence_kb.engine.check.checker import Checker, Exemption, PageReport
from evidence_kb.engine.findings import Finding
from evidence_kb.engine.site.builddate import build_date
from evidence_kb.engine.site.config import SiteConfig

FORMAT = "check/2"
FILE_NAME = "check.json"


def _sha256(data: bytes) -> str:
    return store.digest(data)


def settings_digest(site: SiteConfig, today: dt.date | None = None) -> str:
    """Everything besides the page and the library that a page's findings depend on."""
    settings = {
        "format": FORMAT,
        "code": store.code_fingerprint(),
        "today": (today or dt.date.today()).isoformat(),
        # The evidence rules count sources' age from the build date.
        "build_date": build_date().isoformat(),
        "docs": os.path.relpath(site.docs_dir.resolve(), site.root.resolve()),
        "options": site.options.model_dump(),
        "extensions": [e if isinstance(e, str) else repr(e) for e in site.extensions],
        "extension_configs": site.extension_configs,
    }
    return store.digest(json.dumps(settings, sort_keys=True, default=repr))


def _page_from(data: dict[str, Any]) -> PageReport:
    # Every field PageReport has (a new plain field needs no change here);
    # the nested dataclasses are rebuilt.
    data = dict(data)
    data["findings"] = [Finding(**f) for f in data["findings"]]
    data["exemptions"] = [Exemption(**e) for e in data["exemptions"]]
    return PageReport(**data)


class LazyChecker(Checker):
    """A :class:`Checker` that parses the library only when a page must really be checked."""

    def __init__(self, site: SiteConfig, load: Callable[[], Bibliography]) -> None:
        self._load = load
        self._bibliography: Bibliography | None = None
        super().__init__(site, None)  # type: ignore[arg-type]  # the property below serves it

    @property
    def bibliography(self) -> Bibliography:
        if self._bibliography is None:
            self._bibliography = self._load()
        return self._bibliography

    @bibliography.setter
    def bibliography(self, value: Bibliography | None) -> None:
        if value is not None:
            self._bibliography = value

    @property
    def parsed(self) -> bool:
        return self._bibliography is not None


class CheckCache:
    """Per-page check results, valid for one library and one set of settings."""

    def __init__(self, site: SiteConfig, folder: Path | None = None, today: dt.date | None = None) -> None:
        self.site = site
        self.path = (folder or site.root / CACHE_DIR) / FILE_NAME
        try:
            library = _sha256(site.bibliography_path.read_bytes())
        except OSError:
            library = "unreadable"
        self.key = store.digest(settings_digest(site, today), library)
        self.pages: dict[str, dict[str, Any]] = {}
        self.library_findings: dict[str, Any] | None = None
        self.seen: set[str] = set()
        self.changed = False
        self.hits = 0
        self.misses = 0
        self._load()

    def _load(self) -> None:
        raw = store.read(self.path, self.key)
        if raw is None:
            self.changed = self.path.exists()  # rewritten under the current key
            return
        try:
            pages = raw["pages"]
            if not isinstance(pages, dict):
                raise TypeError("pages is not a mapping")
            self.pages = pages
            self.library_findings = raw.get("library_findings")
        except (AttributeError, KeyError, TypeError) as error:
            log.debug("check cache %s ignored (%s: %s)", self.path, type(error).__name__, error)
            self.pages = {}
            self.changed = True

    def check_file(self, checker: Checker, path: Path) -> PageReport:
        """The page's report from the cache, or from `checker` (and kept)."""
        shown = self.site.display(path)
        try:
            digest = _sha256(path.read_bytes())
        except OSError:
            return checker.check_file(path)  # the checker says what is wrong
        self.seen.add(shown)
        cached = self.pages.get(shown)
        if cached is not None and cached.get("digest") == digest:
            try:
                report = _page_from(cached["report"])
                self.hits += 1
                return report
            except (KeyError, TypeError, ValueError) as error:
                log.debug("check cache entry for %s ignored (%s)", shown, error)
        self.misses += 1
        report = checker.check_file(path)
        self.pages[shown] = {"digest": digest, "report": asdict(report)}
        self.changed = True
        return report

    def check_bibliography(self, checker: Checker, cited: set[str]) -> list[Finding]:
        """The library's findings for this set of cited keys (cached)."""
        cited_digest = _sha256("\n".join(sorted(cited)).encode("utf-8"))
        stored = self.library_findings
        if stored is not None and stored.get("cited") == cited_digest:
            try:
                return [Finding(**f) for f in stored["findings"]]
            except (KeyError, TypeError, ValueError) as error:
                log.debug("check cache library findings ignored (%s)", error)
        findings = checker.check_bibliography(cited)
        self.library_findings = {"cited": cited_digest, "findings": [asdict(f) for f in findings]}
        self.changed = True
        return findings

    def save(self, whole_site: bool) -> None:
        """Write the cache if anything changed (after a whole-site check, only pages that exist)."""
        if whole_site and set(self.pages) - self.seen:
            self.pages = {k: v for k, v in self.pages.items() if k in self.seen}
            self.changed = True
        if not self.changed:
            return
        body = {"pages": dict(sorted(self.pages.items())), "library_findings": self.library_findings}
        if store.write(self.path, self.key, body):
            self.changed = False
