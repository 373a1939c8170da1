"""A persistent cache of formatted references, kept between builds.

pybtex's template formatting costs about a millisecond per entry: a library
of thousands of entries would cost seconds on every build. Formatted
references are pure functions of the entry and of our style, so they are
kept in `.cache/evidence-kb/references.json` (like Material's `.cache/` for
social cards; CI can restore the folder), keyed by:

- a digest of the entry's content (type, key, fields after `@string` macros
  are expanded, persons): edit an entry and only that entry is formatted
  again;
- our code by content (cache/store.py), for the whole file: edit the style
  and every entry is formatted again, with no version to bump.

Written and read by cache/store.py: atomically, JSON, and a damaged file is
ignored (logged at debug level) and rebuilt. Each reference is held as its
own JSON text, read when it is asked for: a build asks for each one once
(extension.py), and thousands of them take half the memory as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pybtex.database import Entry

from evidence_kb.cache import store
from evidence_kb.cache.store import CACHE_DIR, log
from evidence_kb.engine.bib.library import Bibliography, entry_digest
from evidence_kb.engine.bib.style import FormattedReference

__all__ = ["CACHE_DIR", "FILE_NAME", "ReferenceCache", "entry_digest"]

FORMAT = "references/3"
FILE_NAME = "references.json"


def cache_key() -> str:
    """What the whole file depends on: its layout and our code (the style is part of it)."""
    return store.digest(FORMAT, store.code_fingerprint())


def reference_from_json(data: Any) -> FormattedReference:
    """A formatted reference back from its JSON form (`dataclasses.asdict`)."""
    data = dict(data)
    data["links"] = tuple((str(label), str(url)) for label, url in data["links"])
    return FormattedReference(**data)


def reference_to_text(ref: FormattedReference) -> str:
    return json.dumps(asdict(ref), ensure_ascii=False, separators=(",", ":"))


def reference_from_text(text: str) -> FormattedReference:
    return reference_from_json(json.loads(text))


class ReferenceCache:
    """Formatted references by entry digest, loaded lazily, saved when changed.

    Give one to :class:`~evidence_kb.engine.bib.library.Bibliography` as its
    `store`; `Bibliography.reference()` asks it before formatting.
    """

    def __init__(self, folder: Path | None) -> None:
        # No folder: an in-memory cache (kept by the plugin across serve rebuilds).
        self.folder = folder
        self.path = folder / FILE_NAME if folder is not None else None
        # Entry digest → the reference as JSON text.
        self._entries: dict[str, str] | None = None
        self._used: set[str] = set()
        self.changed = False
        self.hits = 0
        self.misses = 0

    def _load(self) -> dict[str, str]:
        if self._entries is not None:
            return self._entries
        self._entries = {}
        if self.path is None:
            return self._entries
        raw = store.read(self.path, cache_key())
        if raw is None:
            self.changed = self.path.exists()  # rewritten under the current key
            return self._entries
        try:
            if not all(isinstance(text, str) for text in raw.values()):
                raise TypeError("a reference is not JSON text")
            self._entries = dict(raw)
        except (AttributeError, TypeError) as error:
            # A cache is only ever a shortcut: a damaged one is rebuilt.
            log.debug("reference cache %s ignored (%s: %s)", self.path, type(error).__name__, error)
            self._entries = {}
            self.changed = True
        return self._entries

    def get(self, key: str, entry: Entry) -> FormattedReference | None:
        return self.get_by_digest(key, entry_digest(key, entry))

    def get_by_digest(self, key: str, digest: str) -> FormattedReference | None:
        self._used.add(digest)
        text = self._load().get(digest)
        try:
            ref = reference_from_text(text) if text is not None else None
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            log.debug("reference cache %s: entry %s ignored (%s: %s)", self.path, digest, type(error).__name__, error)
            ref = None
        if ref is None or ref.key != key:
            self.misses += 1
            return None
        self.hits += 1
        return ref

    def put(self, key: str, entry: Entry, ref: FormattedReference) -> None:
        self.put_by_digest(entry_digest(key, entry), ref)

    def put_by_digest(self, digest: str, ref: FormattedReference) -> None:
        self._load()[digest] = reference_to_text(ref)
        self._used.add(digest)
        self.changed = True

    def release(self) -> None:
        """Free the references held in memory; a later `get` reads the file again."""
        if not self.changed:
            self._entries = None

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
            keys = {d: _key_of(text) for d, text in entries.items()}
            used_keys = {keys[d] for d in self._used if d in entries}
            entries = {
                d: text for d, text in entries.items()
                if keys[d] in wanted and (d in self._used or keys[d] not in used_keys)
            }
        if store.write(self.path, cache_key(), dict(sorted(entries.items()))):
            self.changed = False


def keep_every_reference(folder: Path, bib: Bibliography) -> None:
    """Format every entry of `bib` into the reference cache in `folder`.

    A process forked once a library parsed apart is read back does it
    (cache/library.py, `then`) while the build renders pages; the build
    then finds them all kept.
    """
    cache = ReferenceCache(folder)
    bib.store = cache
    for key in bib.entries:
        bib.reference(key)
    cache.save(keep=bib.entries)


def _key_of(text: str) -> str:
    """The entry key a stored reference is for ("" if the text is damaged)."""
    try:
        return str(json.loads(text)["key"])
    except (KeyError, TypeError, ValueError):
        return ""
