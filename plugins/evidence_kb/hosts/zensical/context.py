"""Zensical's page context for our Markdown extension (registered in pyproject.toml).

Zensical renders each page with a new `Markdown` instance whose first
preprocessor, `zensical.extensions.context.ContextPreprocessor`, holds the
page (`url`, `path` relative to docs_dir, `meta`) and the site configuration
(`root_dir`, `docs_dir`, `extra`, `markdown_extensions`, `mdx_configs`).
Importable without Zensical: elsewhere it finds nothing.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from markdown import Markdown

from evidence_kb.engine.render.context import PageContext


def page_context(md: Markdown) -> PageContext | None:
    try:
        from zensical.extensions.context import ContextPreprocessor
    except ImportError:
        return None
    found = ContextPreprocessor.from_markdown(md)
    if found is None:
        return None
    page, config = found.page, found.config
    root = Path(config["root_dir"]).resolve()
    # Relative to mkdocs.yml's folder as written, whatever the working directory.
    docs_dir = root / config["docs_dir"]
    extensions = [name for name in config.get("markdown_extensions", []) if isinstance(name, str)]
    configs: dict[str, dict[str, Any]] = dict(config.get("mdx_configs") or {})
    return PageContext(
        root=root,
        docs_dir=docs_dir,
        source=docs_dir / page.path if page.path else None,
        url=page.url,
        use_directory_urls=bool(config.get("use_directory_urls", True)),
        extra=config.get("extra") or {},
        extensions=extensions,
        extension_configs=configs,
        meta=page.meta,
        # Zensical rewrites relative links in the content as if written in the
        # source file (`../x/` from articles/a.md becomes `../../x/`).
        link_base=posixpath.dirname(page.path) + "/" if "/" in page.path else "",
    )
