"""The parsed library kept on disk between builds.

Parsing `references.bib` (pybtex's tokenizer, names, our checks of every
entry) costs seconds for a library of thousands of entries, on every build
and every check, although the file rarely changes. The parsed
:class:`~evidence_kb.engine.bib.library.Bibliography` is kept in
`.cache/evidence-kb/library.json` (cache/store.py), valid for exactly the
same bytes of the file, shown under the same name, and the same code.

Each entry is kept as plain data (type, fields, the parts of each name),
stored as its own JSON text, and becomes a pybtex `Entry` only when it is
read: a build needs the objects only of the entries it formats, and the
summaries (formatting digest, crossref, missing fields) answer everything
else. Held as text, 5,000 entries take a few megabytes instead of tens.

A library not kept yet can be parsed apart (`apart=True`, for `mkdocs
build`): a forked process parses it and keeps it, and the build reads it
back as above. Parsing takes tens of megabytes that Python keeps for the
rest of the process even once freed; the build's own memory stays at what
the library is in its compact form. The forked process can go on with more
work on the parsed library (`then`: the plugin has it format every
reference) while the build goes on; `settle()` waits for it.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from pybtex.database import Entry, Person

from evidence_kb.cache import store
from evidence_kb.cache.store import log
from evidence_kb.engine.bib.library import Bibliography, EntrySummary, load_bibliography
from evidence_kb.engine.findings import Finding

FORMAT = "library/5"
FILE_NAME = "library.json"
NAME_PARTS = ("first_names", "middle_names", "prelast_names", "last_names", "lineage_names")


def entry_to_json(entry: Entry) -> dict[str, Any]:
    return {
        "type": entry.type,
        "fields": list(entry.fields.items()),
        "persons": [
            [role, [[list(getattr(person, part)) for part in NAME_PARTS] for person in persons]]
            for role, persons in entry.persons.items()
        ],
    }


def entry_from_json(data: dict[str, Any]) -> Entry:
    """The entry `entry_to_json` wrote, name parts and field order as parsed.

    >>> entry = Entry("article", fields={"title": "T", "year": "2020"}, persons={"author": [Person("van Dyke, Jr, Ann B.")]})
    >>> again = entry_from_json(entry_to_json(entry))
    >>> again.type, list(again.fields.items()), str(again.persons["author"][0])
    ('article', [('title', 'T'), ('year', '2020')], 'van Dyke, Jr, Ann B.')
    """
    entry = Entry(data["type"], fields=[(str(name), str(value)) for name, value in data["fields"]])
    for role, people in data["persons"]:
        for parts in people:
            person = Person()
            for part, names in zip(NAME_PARTS, parts, strict=True):
                getattr(person, part).extend(str(name) for name in names)
            entry.add_person(person, role)
    return entry


class StoredEntries(Mapping[str, Entry]):
    """Entries by key, each kept as its JSON text until it is read."""

    def __init__(self, stored: dict[str, str]) -> None:
        self.stored = stored

    def __getitem__(self, key: str) -> Entry:
        return entry_from_json(json.loads(self.stored[key]))

    def __contains__(self, key: object) -> bool:
        return key in self.stored

    def __iter__(self) -> Iterator[str]:
        return iter(self.stored)

    def __len__(self) -> int:
        return len(self.stored)


def library_to_json(bib: Bibliography) -> dict[str, Any]:
    bib.summarise()
    return {
        "path": bib.path,
        "entries": {
            key: json.dumps(entry_to_json(entry), ensure_ascii=False, separators=(",", ":"))
            for key, entry in bib.entries.items()
        },
        "lines": bib.lines,
        # Not the entries' source texts: a build needs only their digests (summaries).
        "problems": [asdict(problem) for problem in bib.problems],
        "extents": {key: list(extent) for key, extent in bib.extents.items()},
        "lost": bib.lost,
        "summaries": {key: [s.digest, s.crossref, list(s.missing), s.identified, s.year, s.source]
                      for key, s in bib.summaries.items()},
    }


def library_from_json(data: dict[str, Any]) -> Bibliography:
    entries = data["entries"]
    if not isinstance(entries, dict) or not all(isinstance(text, str) for text in entries.values()):
        raise TypeError("entries is not a mapping of JSON texts")
    return Bibliography(
        path=str(data["path"]),
        entries=StoredEntries(entries),
        lines={str(k): int(v) for k, v in data["lines"].items()},
        problems=[Finding(**problem) for problem in data["problems"]],
        extents={str(k): (int(first), int(last)) for k, (first, last) in data["extents"].items()},
        lost={str(k): int(v) for k, v in data["lost"].items()},
        summaries={
            str(key): EntrySummary(str(digest), str(crossref), tuple(missing), bool(identified), str(year), str(source))
            for key, (digest, crossref, missing, identified, year, source) in data["summaries"].items()
        },
    )


class LibraryCache:
    """`loader` for :class:`~evidence_kb.engine.bib.library.BibliographyCache`."""

    def __init__(self, folder: Path, apart: bool = False) -> None:
        self.path = folder / FILE_NAME
        self.parsed = 0
        self.restored = 0
        self.apart = apart
        # Run by the forked process on the library it parsed, once it is kept.
        self.then: Callable[[Bibliography], None] | None = None
        self.running: BaseProcess | None = None

    @property
    def apart(self) -> bool:
        return self._apart

    @apart.setter
    def apart(self, wanted: bool) -> None:
        # Only the caller knows the process runs no threads (a fork takes one
        # along); on macOS a forked process may crash in system libraries.
        self._apart = wanted and sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()

    def key(self, data: bytes, display_path: str | None) -> str:
        return store.digest(FORMAT, data, display_path or "", store.code_fingerprint())

    def __call__(self, path: Path, display_path: str | None = None) -> Bibliography:
        try:
            key = self.key(path.read_bytes(), display_path)
        except OSError:
            return load_bibliography(path, display_path)  # it says what is wrong
        bib = self.restore(key)
        if bib is not None:
            self.restored += 1
            return bib
        self.parsed += 1
        if self.apart and self.parse_apart(path, display_path, key):
            bib = self.restore(key)
            if bib is not None:
                return bib
        bib = load_bibliography(path, display_path)
        data = library_to_json(bib)
        store.write(self.path, key, data)
        # The same compact form as a restored library, here too: the parsed
        # pybtex objects are freed before the build goes on.
        return library_from_json(data)

    def restore(self, key: str) -> Bibliography | None:
        data = store.read(self.path, key)
        if data is None:
            return None
        try:
            return library_from_json(data)
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            log.debug("library cache %s ignored (%s: %s)", self.path, type(error).__name__, error)
            return None

    def parse_apart(self, path: Path, display_path: str | None, key: str) -> bool:
        """Parse and keep the library in a forked process; False if it could not (then parse here)."""
        self.settle()
        context = multiprocessing.get_context("fork")
        kept = context.Event()
        process = context.Process(target=_parse_and_keep, args=(path, display_path, self.path, key, kept, self.then),
                                  daemon=True)
        process.start()
        while not kept.wait(POLL_SECONDS):
            if not process.is_alive():
                break
        if kept.is_set():
            self.running = process  # still running `then`
            return True
        process.join()
        return False

    def settle(self) -> None:
        """Wait until the forked process has done `then` (at once if there is none)."""
        if self.running is not None:
            self.running.join()
            self.running = None


# How often the build looks whether the forked process died before keeping the library.
POLL_SECONDS = 0.02


def _parse_and_keep(path: Path, display_path: str | None, kept_path: Path, key: str, kept: Event,
                    then: Callable[[Bibliography], None] | None) -> None:
    """In the forked process: parse, keep, say so, then do `then`."""
    try:
        bib = load_bibliography(path, display_path)
        done = store.write(kept_path, key, library_to_json(bib))
    except Exception:  # noqa: BLE001 (the build parses again itself and reports what is wrong)
        done = False
    if not done:
        sys.exit(1)
    kept.set()
    if then is not None:
        try:
            then(bib)
        except Exception:  # noqa: BLE001 (only a shortcut: the build does this work itself)
            sys.exit(2)
