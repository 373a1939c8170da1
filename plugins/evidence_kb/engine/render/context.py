"""The page being rendered, as a host tells the Markdown extension.

The extension needs to know which file it renders (is it an article? what
does its front matter say, on which lines?) and where the project is (the
library path is relative to `mkdocs.yml`). Hosts that run our MkDocs plugin
hand the page over themselves; a host that only runs Markdown extensions
(Zensical) is asked through an adapter registered under the entry-point
group `evidence_kb.page_context` (see pyproject.toml): a function taking the
`Markdown` instance and returning a :class:`PageContext` or None. The engine
never imports a host: it only calls what is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from markdown import Markdown

ENTRY_POINT_GROUP = "evidence_kb.page_context"


@dataclass
class PageContext:
    """One page as its host sees it."""

    root: Path  # the folder of mkdocs.yml
    docs_dir: Path
    source: Path | None  # the page's Markdown file
    url: str  # the page's URL, relative to the site root (`articles/x/`)
    use_directory_urls: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)  # mkdocs.yml `extra:`
    extensions: list[str] = field(default_factory=list)  # the site's other Markdown extensions
    extension_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] | None = None  # the host's page metadata, shared with its templates
    # Where the host resolves relative links in the page's content from: its
    # URL (MkDocs), or its source folder (Zensical rewrites them that way).
    link_base: str | None = None

    @property
    def links_from(self) -> str:
        return self.url if self.link_base is None else self.link_base


PageContextFinder = Callable[[Markdown], "PageContext | None"]


@cache
def registered_finders() -> tuple[PageContextFinder, ...]:
    """The adapters installed packages register (loaded once per process)."""
    return tuple(point.load() for point in entry_points(group=ENTRY_POINT_GROUP))


def find_page_context(md: Markdown, finder: PageContextFinder | None = None) -> PageContext | None:
    """The page `md` is rendering, from `finder` or from the first registered adapter that knows."""
    for candidate in (finder,) if finder is not None else registered_finders():
        context = candidate(md)
        if context is not None:
            return context
    return None
