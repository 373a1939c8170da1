"""Findings: one located problem each, and the formats they are reported in."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, located in a source file.

    Ordered by (path, line, column, ...), so sorted findings come out in a
    deterministic order that follows the files.
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    severity: Severity = "error"

    def location(self) -> str:
        """`path:line:col` as compilers and editors print it.

        >>> Finding("docs/a.md", 3, 5, "uncited-claim", "x").location()
        'docs/a.md:3:5'
        """
        return f"{self.path}:{self.line}:{self.column}"

    def as_text(self) -> str:
        """One line for people: `docs/a.md:3:5: claim without citation: "..."`.

        >>> Finding("docs/a.md", 3, 5, "unknown-key", "unknown key", "warning").as_text()
        'docs/a.md:3:5: warning: unknown key'
        """
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.location()}: {prefix}{self.message}"


class CheckError(Exception):
    """The check could not run at all (bad arguments, unreadable input)."""


def _github_escape(value: str, *, property_value: bool = False) -> str:
    # GitHub workflow commands need %, CR and LF escaped, and property values
    # also ':' and ','.
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def format_findings(findings: Iterable[Finding], fmt: str = "text") -> str:
    """Render findings as `text`, `json` or `github` (Actions annotations)."""
    findings = list(findings)
    if fmt == "json":
        return json.dumps([asdict(f) for f in findings], indent=2, ensure_ascii=False)
    if fmt == "github":
        lines = []
        for f in findings:
            level = {"error": "error", "warning": "warning"}.get(f.severity, "notice")
            props = ",".join(
                [
                    f"file={_github_escape(f.path, property_value=True)}",
                    f"line={f.line}",
                    f"col={f.column}",
                    f"title={_github_escape(f.code, property_value=True)}",
                ]
            )
            lines.append(f"::{level} {props}::{_github_escape(f.message)}")
        return "\n".join(lines)
    if fmt == "text":
        return "\n".join(f.as_text() for f in findings)
    raise CheckError(f"unknown output format {fmt!r}: use text, json or github")
