"""The one way anything is kept in `.cache/evidence-kb/`: keys, files, damage.

- **Keys are content hashes.** Each cache file carries a key made of the
  digests of its inputs and of :func:`code_fingerprint`: the bytes of every
  file of this package (Python, templates, CSS, JS, the dashboard page) and
  the versions of the libraries that shape its output. Nothing is bumped by
  hand and no file time is read, so an edited style shows in the next build,
  and a fresh clone with `.cache/` restored (CI) finds every entry valid.
- **One writer.** :func:`~evidence_kb.engine.site.files.write_atomically`, the
  one every file we write goes through: readers see the old file or the
  new one, never half of one.
- **One damage policy.** :func:`read` returns None for a file that is
  missing, unreadable, truncated, not ours or written under another key,
  with a debug message saying why; the caller does the work again.
- **Nothing runs when a file is read.** JSON only. The key is the first
  line, read and compared before the (possibly large) body is parsed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from evidence_kb.engine.site.files import write_atomically

# Under `mkdocs.` so `mkdocs build --verbose` shows it (a name only: no MkDocs import).
log = logging.getLogger("mkdocs.plugins.evidence_kb.cache")

# Relative to the project (the folder of mkdocs.yml), beside Material's caches.
CACHE_DIR = ".cache/evidence-kb"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# Compiled files follow from the sources, which are hashed.
SKIPPED_SUFFIXES = (".pyc", ".pyo")
# The libraries whose behaviour is part of what we cache.
LIBRARIES = ("pybtex", "latexcodec", "markdown", "pymdown-extensions", "mkdocs", "nh3", "pydantic", "pyyaml")


def digest(*parts: str | bytes) -> str:
    """A SHA-256 of the parts, each delimited (so ("ab", "c") differs from ("a", "bc")).

    >>> digest("ab", "c") == digest("a", "bc")
    False
    >>> len(digest(b"bytes", "text"))
    64
    """
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def fingerprint_of(folder: Path, versions: dict[str, str]) -> str:
    """A digest of the bytes of every file under `folder` (but compiled Python) and of `versions`."""
    parts: list[str | bytes] = [json.dumps(versions, sort_keys=True)]
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts or path.suffix in SKIPPED_SUFFIXES or not path.is_file():
            continue
        parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return digest(*parts)


def library_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


@functools.cache
def code_fingerprint() -> str:
    """Our code and the libraries it relies on, by content: computed once per process."""
    return fingerprint_of(PACKAGE_DIR, library_versions())


def read(path: Path, key: str) -> Any | None:
    """The body stored at `path` under exactly `key`, or None (why: at debug level)."""
    try:
        with path.open("rb") as handle:
            header = handle.readline()
            if json.loads(header) != {"key": key}:
                log.debug("cache %s is for other inputs or other code: not used", path)
                return None
            return json.loads(handle.read())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:  # unreadable, truncated, not JSON
        log.debug("cache %s ignored (%s: %s)", path, type(error).__name__, error)
        return None


def write(path: Path, key: str, body: Any) -> bool:
    """Store `body` (JSON) at `path` under `key`; False (and a debug message) when it cannot be."""
    header = json.dumps({"key": key})
    try:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        # Not flushed to disk: a cache file lost in a power cut is rebuilt.
        write_atomically(path, f"{header}\n{text}", durable=False)
    except (OSError, TypeError, ValueError) as error:
        log.debug("cache %s not written (%s: %s)", path, type(error).__name__, error)
        return False
    return True
