"""The one way we write a file: all at once.

Used for everything we write (cache files, edited front matter, a formatted
`references.bib`): a temporary file beside the target, flushed to disk, then
renamed over it, so a reader or an interrupted run sees the old file or the
new one, never half of one. An existing file keeps its permissions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: str | bytes, durable: bool = True) -> None:
    """Replace `path` with `data` (text is written as UTF-8) in one step.

    `durable=False` skips the flush to disk: for files that may be lost in
    a power cut but never read half-written (the caches, rebuilt when lost).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is None:
            # As a new file gets it (mkstemp's own is private to its owner).
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
