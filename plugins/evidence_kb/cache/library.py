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
build`): forked processes parse it and keep it, and the build reads it back
as above. Parsing takes tens of megabytes that Python keeps for the rest of
the process even once freed; the build's own memory stays at what the
library is in its compact form. A large library is parsed in two halves at
once (engine/bib/halves.py), when that gives exactly what one parse gives.
Then one more forked process can work on the library (`then`: the plugin
has it format every reference) while the build goes on; `settle()` waits
for it.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from pybtex.database import Entry, Person

from evidence_kb.cache import store
from evidence_kb.cache.store import log
from evidence_kb.engine.bib.halves import halves
from evidence_kb.engine.bib.library import Bibliography, EntrySummary, collector_paused, load_bibliography, parse_bibliography
from evidence_kb.engine.findings import Finding
from evidence_kb.engine.site.sources import SourceError, read_text

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
        # Run on a library parsed apart, in a process forked once it is read
        # back: the build goes on meanwhile, and settle() waits for it.
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
        bib = self.parse_apart(path, display_path, key) if self.apart else None
        if bib is not None:
            if self.then is not None:
                self.running = _fork(_behind, self.then, bib)
            return bib
        bib = load_bibliography(path, display_path)
        data = library_to_json(bib)
        store.write(self.path, key, data)
        # The same compact form as a restored library, here too: the parsed
        # pybtex objects are freed before the build goes on.
        return library_from_json(data)

    def restore(self, key: str, data: dict[str, Any] | None = None) -> Bibliography | None:
        """The library kept under `key` (or `data`, what was just kept), None if there is none."""
        data = store.read(self.path, key) if data is None else data
        if data is None:
            return None
        try:
            return library_from_json(data)
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            log.debug("library cache %s ignored (%s: %s)", self.path, type(error).__name__, error)
            return None

    def parse_apart(self, path: Path, display_path: str | None, key: str) -> Bibliography | None:
        """The library parsed and kept by forked processes; None if it could not be (then parse here)."""
        self.settle()
        shown = display_path or str(path)
        try:
            split = halves(read_text(path, shown))
        except SourceError:
            split = None  # the parse below says what is wrong
        if split is not None:
            merged = self.parse_halves(split, shown, key)
            if merged is not None and store.write(self.path, key, merged):
                return self.restore(key, merged)  # not read back from the file
        process = _fork(_parse_and_keep, path, display_path, self.path, key)
        process.join()
        return self.restore(key) if process.exitcode == 0 else None

    def parse_halves(self, split: tuple[str, str], shown: str, key: str) -> dict[str, Any] | None:
        """Both halves parsed at once, as one library; None if the whole file must be parsed."""
        parts = (self.path.with_name(self.path.name + ".first"), self.path.with_name(self.path.name + ".second"))
        processes = (_fork(_parse_half, split[0], shown, parts[0], key), _fork(_parse_half, split[1], shown, parts[1], key))
        read = []
        for process, part in zip(processes, parts, strict=True):
            process.join()
            read.append(store.read(part, key) if process.exitcode == 0 else None)
            part.unlink(missing_ok=True)
        first, second = read
        return join_halves(first, second) if first is not None and second is not None else None

    def settle(self) -> None:
        """Wait until the forked process has done `then` (at once if there is none)."""
        if self.running is not None:
            self.running.join()
            self.running = None


def _fork(target: Callable[..., None], *args: Any) -> BaseProcess:
    process = multiprocessing.get_context("fork").Process(target=target, args=args, daemon=True)
    process.start()
    return process


def _behind(work: Callable[[Bibliography], None], bib: Bibliography) -> None:
    """In a forked process: `work`, second to the build (which waits for it only at its end)."""
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    work(bib)


# How far `then` steps back for the build's own process (os.nice).
NICENESS = 10


def _parse_and_keep(path: Path, display_path: str | None, kept: Path, key: str) -> None:
    """In a forked process: parse, keep, and say by the exit code whether it is kept."""
    try:
        done = store.write(kept, key, library_to_json(load_bibliography(path, display_path)))
    except Exception:  # noqa: BLE001 (the build parses again itself and reports what is wrong)
        done = False
    sys.exit(0 if done else 1)


def _parse_half(text: str, shown: str, kept: Path, key: str) -> None:
    """In a forked process: parse one half; keep it only if it has no problem (else the whole is parsed)."""
    try:
        with collector_paused():
            bib = parse_bibliography(text, shown)
        done = not bib.problems and not bib.lost and store.write(kept, key, library_to_json(bib))
    except Exception:  # noqa: BLE001 (the whole file is parsed instead)
        done = False
    sys.exit(0 if done else 1)


def join_halves(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any] | None:
    """Two halves' libraries as one (as library_to_json gives it); None if the whole file must be parsed.

    Each half found no problem; a key in both (or in both but for case) is
    one the whole file's parse reports.

    >>> a = {"path": "r.bib", "entries": {"a": "{}"}, "lines": {"a": 1}, "problems": [], "extents": {"a": [1, 1]},
    ...      "lost": {}, "summaries": {"a": []}}
    >>> b = {**a, "entries": {"b": "{}"}, "lines": {"b": 2}, "extents": {"b": [2, 2]}, "summaries": {"b": []}}
    >>> list(join_halves(a, b)["entries"])
    ['a', 'b']
    >>> join_halves(a, {**b, "entries": {"A": "{}"}}) is None
    True
    """
    if first["problems"] or second["problems"] or first["lost"] or second["lost"]:
        return None
    if {key.lower() for key in first["entries"]} & {key.lower() for key in second["entries"]}:
        return None
    merged = dict(first)
    for name in ("entries", "lines", "extents", "summaries"):
        merged[name] = {**first[name], **second[name]}
    return merged
