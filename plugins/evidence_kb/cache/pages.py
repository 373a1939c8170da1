"""Rendered pages kept on disk between builds, as Sphinx keeps its doctrees.

Converting Markdown is most of a build's time, and between two builds of a
knowledge base nearly every page is unchanged. A page's HTML is a pure
function of its Markdown (after every plugin's `on_page_markdown`), its
place in the site, the Markdown extensions and their settings, the versions
of MkDocs, Python-Markdown, pymdown-extensions and our code, the files its
links point to (where they are, or that they are missing), and which of its
citation keys the library holds. :class:`PageCache` keeps what rendering a
page produced (`.cache/evidence-kb/pages/`, one file per page) under a key
made of the first of these, with the links and keys to check on reading
(rendercache.py); it gives a page back only when every part is the same, so
adding an article renders only the new article.

The reference list is not part of the cached page: it is written into the
finished page from the current library on every build (plugin.py), so an
edited entry shows at once. Anything wrong with a cache file (missing,
corrupt, another key) means the page is rendered as usual; files are
written atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from evidence_kb.cache.references import write_atomically

log = logging.getLogger("mkdocs.plugins.evidence_kb.pagecache")

FORMAT = 2
FOLDER = "pages"


def digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


class PageCache:
    """One JSON file per page, named by its source path and checked against its key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / FOLDER
        self.hits = 0
        self.misses = 0

    def path(self, src_uri: str) -> Path:
        return self.folder / f"{digest(src_uri)[:32]}.json"

    def get(self, src_uri: str, key: str, accept: Any = None) -> dict[str, Any] | None:
        """What rendering this page produced, if it was rendered under exactly this key
        (and `accept(entry)` agrees: the checks that need the current site)."""
        try:
            entry = json.loads(self.path(src_uri).read_text(encoding="utf-8"))
            if (isinstance(entry, dict) and entry.get("format") == FORMAT and entry.get("key") == key
                    and (accept is None or accept(entry))):
                self.hits += 1
                return entry
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.debug("page cache for %s ignored (%s)", src_uri, error)
        self.misses += 1
        return None

    def put(self, src_uri: str, key: str, entry: dict[str, Any]) -> None:
        data = json.dumps({**entry, "format": FORMAT, "key": key, "page": src_uri}, ensure_ascii=False)
        try:
            write_atomically(self.path(src_uri), data)
        except OSError as error:
            log.debug("page cache for %s not written (%s)", src_uri, error)


    def prune(self, src_uris: list[str]) -> int:
        """Delete the files of pages the site no longer has; how many."""
        wanted = {self.path(src_uri).name for src_uri in src_uris}
        removed = 0
        for path in self.folder.glob("*.json"):
            if path.name not in wanted:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class LogCapture(logging.Handler):
    """The records MkDocs logs while rendering a page (broken links...), to replay on a cache hit."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[list[Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append([record.name, record.levelno, record.getMessage()])


def replay(records: list[list[Any]]) -> None:
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)
