"""Whether the installed MkDocs can run our plugin, from package metadata (nothing imported).

MkDocs 2 (pre-releases 2.0.devN) has no plugin API and refuses a mkdocs.yml
with a traceback of its own; ProperDocs (a MkDocs 1.x fork), MkDocs 1.6 and
Zensical all build this repository. `evidencekb check`, run before every
build, says so in one line; the plugin says it too if it is ever imported there.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

ADVICE = (
    "evidence-kb needs MkDocs 1.x, ProperDocs or Zensical; found mkdocs {found}, which has no plugin API "
    "(MkDocs 2 dropped plugins). Run: pip install 'mkdocs>=1.6.1,<2' (or build with `properdocs build` "
    "or `zensical build --clean`)"
)


def installed_mkdocs() -> str | None:
    try:
        return version("mkdocs")
    except PackageNotFoundError:
        return None


def unsupported_mkdocs(found: str | None = None) -> str | None:
    """The message when the installed MkDocs is 2.x or later, else None.

    >>> unsupported_mkdocs("1.6.1") is None
    True
    >>> unsupported_mkdocs("2.0.dev6")[:60]
    'evidence-kb needs MkDocs 1.x, ProperDocs or Zensical; found '
    """
    found = found or installed_mkdocs()
    if found is None:
        return None
    major = found.split(".", 1)[0]
    return ADVICE.format(found=found) if major.isdigit() and int(major) >= 2 else None
