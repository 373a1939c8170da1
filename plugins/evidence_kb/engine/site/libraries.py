"""One parsed library per file and content, shared by every page of the process.

Zensical creates a new Markdown extension for every page: the library is
parsed once and kept here, keyed by the file's resolved path and the hash
of its content, so an edited file is parsed again and an unchanged one never.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from evidence_kb.engine.bib.library import Bibliography, load_bibliography

_LOADED: dict[Path, tuple[str, Bibliography]] = {}


def shared_library(path: Path, shown: str | None = None) -> Bibliography:
    resolved = path.resolve()
    try:
        digest = hashlib.sha256(resolved.read_bytes()).hexdigest()
    except OSError:
        digest = ""  # load_bibliography reports the file as a located problem
    kept = _LOADED.get(resolved)
    if kept is not None and kept[0] == digest and digest:
        return kept[1]
    bib = load_bibliography(path, shown)
    _LOADED[resolved] = (digest, bib)
    return bib
