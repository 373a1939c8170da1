"""Rendered pages kept between builds: `.cache/evidence-kb/pages/<digest>.json`.

One file per page, named by a digest of everything its HTML follows from
(the host adapter computes it: hosts/mkdocs/rendered.py); the key line adds
this file's layout and our code (cache/store.py). A build reads only the
pages it renders, and at its end removes the files it did not use, so the
folder holds the last build's pages and never grows with edits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidence_kb.cache import store

FORMAT = "pages/1"
FOLDER = "pages"


class PageStore:
    """Page bodies (JSON) by digest: `load`, `save`, and `prune` what a build left unused."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / FOLDER
        self.used: set[str] = set()
        self.hits = self.misses = 0

    def path(self, digest: str) -> Path:
        return self.folder / f"{digest}.json"

    def load(self, digest: str) -> dict[str, Any] | None:
        body = store.read(self.path(digest), self._key(digest))
        if isinstance(body, dict):
            self.used.add(digest)
            return body
        return None

    def save(self, digest: str, body: dict[str, Any]) -> None:
        if store.write(self.path(digest), self._key(digest), body):
            self.used.add(digest)

    def prune(self) -> None:
        """Remove every page file this build neither read nor wrote."""
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*.json"):
            if path.stem not in self.used:
                try:
                    path.unlink()
                except OSError as error:  # another process removed it, or read-only: harmless
                    store.log.debug("cache %s not removed (%s)", path, error)

    @staticmethod
    def _key(digest: str) -> str:
        return store.digest(FORMAT, store.code_fingerprint(), digest)
