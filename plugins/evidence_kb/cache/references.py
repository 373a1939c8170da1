"""A persistent cache of formatted references, kept between builds.

pybtex's template formatting costs about a millisecond per entry: a library
of thousands of entries would cost seconds on every build. Formatted
references are pure functions of the entry and of our style, so they are
kept in `.cache/evidence-kb/references.json` (like Material's `.cache/` for
social cards; CI can restore the folder), keyed by:

- a digest of the entry's content (type, key, fields after `@string` macros
  are expanded, persons): edit an entry and only that entry is formatted
  again;
- `STYLE_VERSION` (core/style.py) and the package version, for the whole
  file: change the style and every entry is formatted again.

The file is written atomically (a temporary file renamed over it), so an
interrupted build never leaves half a cache; a corrupt or unreadable file is
ignored (logged at debug level) and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable

from pybtex.database import Entry

from evidence_kb.engine.bib import style
from evidence_kb.engine.bib.style import FormattedReference

# Under `mkdocs.` so `mkdocs build --verbose` shows it (a name only: no MkDocs import).
log = logging.getLogger("mkdocs.plugins.evidence_kb.refcache")

FORMAT = 1
# Relative to the project (the folder of mkdocs.yml), beside Material's caches.
CACHE_DIR = ".cache/evidence-kb"
FILE_NAME = "references.json"


def cache_version() -> str:
    """What the whole file depends on: cache layout, style and package versions."""
    from evidence_kb import __version__

    return f"{FORMAT}/{style.STYLE_VERSION}/{__version__}"


def entry_digest(key: str, entry: Entry) -> str:
    """A fingerprint of what formatting an entry reads.

    >>> a = Entry("misc", fields={"title": "T", "year": "2020"})
    >>> entry_digest("k", a) == entry_digest("k", Entry("misc", fields={"year": "2020", "title": "T"}))
    True
    >>> entry_digest("k", a) == entry_digest("k", Entry("misc", fields={"title": "T2", "year": "2020"}))
    False
    """
    content = [
        key,
        entry.type,
        sorted((name.lower(), value) for name, value in entry.fields.items()),
        sorted((role, [str(person) for person in persons]) for role, persons in entry.persons.items()),
    ]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def reference_from_json(data: Any) -> FormattedReference:
    """A formatted reference back from its JSON form (`dataclasses.asdict`)."""
    data = dict(data)
    data["links"] = tuple((str(label), str(url)) for label, url in data["links"])
    return FormattedReference(**data)


class ReferenceCache:
    """Formatted references by entry digest, loaded lazily, saved when changed.

    Give one to :class:`~evidence_kb.engine.bib.library.Bibliography` as its
    `store`; `Bibliography.reference()` asks it before formatting.
    """

    def __init__(self, folder: Path | None) -> None:
        # No folder: an in-memory cache (kept by the plugin across serve rebuilds).
        self.folder = folder
        self.path = folder / FILE_NAME if folder is not None else None
        self._entries: dict[str, FormattedReference] | None = None
        self._used: set[str] = set()
        self.changed = False
        self.hits = 0
        self.misses = 0

    def _load(self) -> dict[str, FormattedReference]:
        if self._entries is not None:
            return self._entries
        self._entries = {}
        if self.path is None or not self.path.exists():
            return self._entries
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("version") != cache_version():
                log.debug("reference cache %s is for another version: starting afresh", self.path)
                self.changed = True
                return self._entries
            self._entries = {digest: reference_from_json(data) for digest, data in raw["entries"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            # A cache is only ever a shortcut: a damaged one is rebuilt.
            log.debug("reference cache %s ignored (%s: %s)", self.path, type(error).__name__, error)
            self._entries = {}
            self.changed = True
        return self._entries

    def get(self, key: str, entry: Entry) -> FormattedReference | None:
        return self.get_by_digest(key, entry_digest(key, entry))

    def get_by_digest(self, key: str, digest: str) -> FormattedReference | None:
        self._used.add(digest)
        ref = self._load().get(digest)
        if ref is None or ref.key != key:
            self.misses += 1
            return None
        self.hits += 1
        return ref

    def put(self, key: str, entry: Entry, ref: FormattedReference) -> None:
        self.put_by_digest(entry_digest(key, entry), ref)

    def put_by_digest(self, digest: str, ref: FormattedReference) -> None:
        self._load()[digest] = ref
        self._used.add(digest)
        self.changed = True

    def save(self, keep: Iterable[str] | None = None) -> None:
        """Write the cache if anything changed.

        `keep`: the library's keys; entries of other keys (removed from the
        library) are dropped, as are older versions of entries used in this
        build, so the file does not grow forever.
        """
        if self.path is None or not self.changed:
            return
        entries = self._load()
        if keep is not None:
            wanted = set(keep)
            used_keys = {entries[d].key for d in self._used if d in entries}
            entries = {
                d: ref for d, ref in entries.items()
                if ref.key in wanted and (d in self._used or ref.key not in used_keys)
            }
        payload = {
            "version": cache_version(),
            "entries": {d: asdict(ref) for d, ref in sorted(entries.items())},
        }
        try:
            write_atomically(self.path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
        except OSError as error:
            log.debug("reference cache %s not written (%s)", self.path, error)
            return
        self.changed = False
