"""The parsed library kept on disk between builds.

Parsing `references.bib` (pybtex's tokenizer, names, our checks of every
entry) costs seconds for a library of thousands of entries, on every build
and every check, although the file rarely changes. The parsed
:class:`~evidence_kb.engine.bib.library.Bibliography` is kept in
`.cache/evidence-kb/library.pickle`, valid for exactly the same bytes of the
file, the same code (our modules' sizes and times) and the same pybtex.

Pickle, because the library is a graph of pybtex objects that pickle
restores several times faster than pybtex parses the text. The file lives in
the project's own cache folder and is written only by us: reading it is no
more trusting than running the project's code. Anything wrong with it (missing, corrupt, other
key) means parsing the file as usual; it is written atomically.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from pybtex.database import Entry

from evidence_kb.engine.bib.library import Bibliography, load_bibliography

log = logging.getLogger("mkdocs.plugins.evidence_kb.libcache")

FORMAT = 2
FILE_NAME = "library.pickle"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def compact(bib: Bibliography) -> Bibliography:
    """The library with each entry summarised and pickled (PickledEntries).

    Only what parsing produced: no formatted references, no store. A build
    reads the summaries and unpickles an entry only to format it.
    """
    bib.summarise()
    bare = dataclasses.replace(bib, store=None, entries=PickledEntries.of(bib.entries))
    bare._formatted = {}
    return bare


class PickledEntries(Mapping[str, Entry]):
    """Entries by key, each kept as its pickle until it is read.

    A library of 5,000 entries is about 30 MB of pybtex objects and 6 MB of
    pickles; a build needs the objects only of entries it formats.
    """

    def __init__(self, pickled: dict[str, bytes]) -> None:
        self._pickled = pickled

    @classmethod
    def of(cls, entries: Mapping[str, Entry]) -> "PickledEntries":
        return cls({key: pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL) for key, entry in entries.items()})

    def __getitem__(self, key: str) -> Entry:
        return pickle.loads(self._pickled[key])

    def __contains__(self, key: object) -> bool:
        return key in self._pickled

    def __iter__(self) -> Iterator[str]:
        return iter(self._pickled)

    def __len__(self) -> int:
        return len(self._pickled)


def code_fingerprint() -> str:
    """Our code and pybtex's version: a changed parser invalidates the file."""
    import pybtex

    parts = [str(FORMAT), getattr(pybtex, "__version__", "?")]
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        stat = path.stat()
        parts.append(f"{path.relative_to(PACKAGE_DIR).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


class LibraryCache:
    """`loader` for :class:`~evidence_kb.engine.bib.library.BibliographyCache`."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME
        self.parsed = 0
        self.restored = 0

    def key(self, data: bytes, display_path: str | None) -> str:
        digest = hashlib.sha256(data)
        digest.update(f"\n{display_path}\n{code_fingerprint()}".encode("utf-8"))
        return digest.hexdigest()

    def __call__(self, path: Path, display_path: str | None = None) -> Bibliography:
        try:
            key = self.key(path.read_bytes(), display_path)
        except OSError:
            return load_bibliography(path, display_path)  # it says what is wrong
        try:
            with self.path.open("rb") as handle:
                stored_key, bib = pickle.load(handle)
            if stored_key == key and isinstance(bib, Bibliography):
                self.restored += 1
                return bib
        except FileNotFoundError:
            pass
        except Exception as error:  # noqa: BLE001 (any damage means: parse again)
            log.debug("library cache %s ignored (%s: %s)", self.path, type(error).__name__, error)
        self.parsed += 1
        # The same compact form as a restored library, here too: the parsed
        # pybtex objects are freed before the build goes on.
        bib = compact(load_bibliography(path, display_path))
        self._save(key, bib)
        return bib

    def _save(self, key: str, bare: Bibliography) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump((key, bare), handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temp, self.path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as error:
            log.debug("library cache %s not written (%s)", self.path, error)
