"""Reading source files as people store them: UTF-8 (a BOM accepted), any line ending."""

from __future__ import annotations

from pathlib import Path


class SourceError(Exception):
    """A file that cannot be read as text; carries the line where it went wrong."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}:1: {message}")
        self.path = path
        self.line = line
        self.message = message


def decode_text(data: bytes, path: str) -> str:
    """Decode UTF-8 (with or without BOM) and normalise line endings to LF.

    A file in another encoding is an error naming the line of the first byte
    that is not UTF-8, whatever the locale.

    >>> decode_text(b"\\xef\\xbb\\xbfa\\r\\nb", "x.md")
    'a\\nb'
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceError(
            path,
            line,
            f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path, display_path: str | None = None) -> str:
    """Read a source file with :func:`decode_text`."""
    shown = display_path or str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(shown, 1, f"cannot read file: {error.strerror}") from None
    return decode_text(data, shown)
