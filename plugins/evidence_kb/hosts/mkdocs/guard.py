"""One clear message when the installed MkDocs cannot run our plugin (engine/site/hostcheck.py)."""

from __future__ import annotations

from importlib import import_module

from evidence_kb.engine.site.hostcheck import ADVICE, installed_mkdocs


class UnsupportedHost(ImportError):
    """The host cannot load our plugin; the message says what to install."""


def require_mkdocs_1() -> None:
    try:
        import_module("mkdocs.plugins")
    except ImportError:
        raise UnsupportedHost(ADVICE.format(found=installed_mkdocs() or "(not installed)")) from None
