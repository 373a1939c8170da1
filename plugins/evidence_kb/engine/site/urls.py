"""Site URLs without a host: a page's URL from its source path, and links between pages.

The same rules as MkDocs (and Zensical, which follows them):

>>> page_url("articles/x.md"), page_url("index.md"), page_url("a/index.md"), page_url("x.md", False)
('articles/x/', '', 'a/', 'x.html')
>>> relative_url("editorial-policy/#proposing", "articles/x/")
'../../editorial-policy/#proposing'
>>> relative_url("articles/y/", "articles/x/"), relative_url("https://example.org/", "a/")
('../y/', 'https://example.org/')
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit


def page_url(src: str, use_directory_urls: bool = True) -> str:
    stem = src.removesuffix(".md")
    if not use_directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def relative_url(url: str, page: str) -> str:
    """`url` (relative to the site root) as a link from the page at `page`; absolute URLs as they are."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("/", "#")):
        return url
    folder, name = posixpath.split(page)
    base = folder if "." in name else page
    linked = posixpath.relpath("/" + url, "/" + base) if base else url or "."
    return linked + "/" if url.endswith("/") and not linked.endswith("/") else linked
