"""Related articles and recently updated articles, from tags and references.

Pure data in, data out: the MkDocs side (reader.py) collects one
:class:`ArticleInfo` per article once every page is rendered.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass


@dataclass(frozen=True)
class ArticleInfo:
    """What the site knows about one article."""

    path: str
    title: str
    url: str
    tags: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    updated: str = ""


@dataclass(frozen=True)
class Related:
    """Another article and what it shares with the one being read."""

    article: ArticleInfo
    shared_tags: tuple[str, ...]
    shared_refs: int

    @property
    def score(self) -> int:
        # A shared source says more about the question than a shared specialty.
        return 2 * self.shared_refs + len(self.shared_tags)

    def reason(self) -> str:
        """Why it is listed, for readers.

        >>> a = ArticleInfo("a.md", "A", "a/")
        >>> Related(a, ("Pain medicine",), 2).reason()
        'Pain medicine · 2 shared references'
        >>> Related(a, (), 1).reason()
        '1 shared reference'
        """
        parts = list(self.shared_tags)
        if self.shared_refs:
            plural = "s" if self.shared_refs > 1 else ""
            parts.append(f"{self.shared_refs} shared reference{plural}")
        return " · ".join(parts)


def related(article: ArticleInfo, others: list[ArticleInfo], limit: int = 5) -> list[Related]:
    """Articles sharing tags or references with `article`, best first.

    >>> a = ArticleInfo("a.md", "A", "a/", ("Back",), ("k1", "k2"))
    >>> b = ArticleInfo("b.md", "B", "b/", ("Back",), ())
    >>> c = ArticleInfo("c.md", "C", "c/", (), ("k1", "k2"))
    >>> d = ArticleInfo("d.md", "D", "d/", ("Skin",), ("k9",))
    >>> [r.article.title for r in related(a, [a, b, c, d])]
    ['C', 'B']
    """
    return RelatedIndex(others).related(article, limit)


class RelatedIndex:
    """Articles indexed by tag and by reference, built once per site.

    Comparing every article with every other one is quadratic in the size of
    the site; through the index each article meets only the articles it
    shares something with.
    """

    def __init__(self, articles: list[ArticleInfo]) -> None:
        self.by_tag: dict[str, list[ArticleInfo]] = {}
        self.by_ref: dict[str, list[ArticleInfo]] = {}
        for info in articles:
            for tag in dict.fromkeys(info.tags):
                self.by_tag.setdefault(tag, []).append(info)
            for ref in dict.fromkeys(info.refs):
                self.by_ref.setdefault(ref, []).append(info)

    def related(self, article: ArticleInfo, limit: int = 5) -> list[Related]:
        shared_refs: dict[str, int] = {}
        shared_tags: dict[str, int] = {}
        others: dict[str, ArticleInfo] = {}
        for ref in dict.fromkeys(article.refs):
            for other in self.by_ref.get(ref, ()):
                shared_refs[other.path] = shared_refs.get(other.path, 0) + 1
                others[other.path] = other
        for tag in dict.fromkeys(article.tags):
            for other in self.by_tag.get(tag, ()):
                # As often as the other article lists it (Related.shared_tags).
                shared_tags[other.path] = shared_tags.get(other.path, 0) + other.tags.count(tag)
                others[other.path] = other
        others.pop(article.path, None)
        # Ranked on plain numbers: a page shares something with hundreds of
        # articles in a large site, and only `limit` are shown. The position
        # breaks ties as a stable sort would (heapq.nsmallest = sorted()[:n]).
        ranked = heapq.nsmallest(limit, (
            (-(2 * shared_refs.get(path, 0) + shared_tags.get(path, 0)), other.title.lower(), position)
            for position, (path, other) in enumerate(others.items())
        ))
        chosen = list(others.values())
        tags = set(article.tags)
        # Tags in the other article's own order, as readers see them there.
        return [Related(o, tuple(t for t in o.tags if t in tags), shared_refs.get(o.path, 0))
                for o in (chosen[position] for _, _, position in ranked)]


def recently_updated(articles: list[ArticleInfo], limit: int = 5) -> list[ArticleInfo]:
    """Articles by their `updated` date (ISO text), newest first; undated last.

    >>> old = ArticleInfo("o.md", "Old", "o/", updated="2024-01-02")
    >>> new = ArticleInfo("n.md", "New", "n/", updated="2025-10-20")
    >>> none = ArticleInfo("x.md", "Undated", "x/")
    >>> [a.title for a in recently_updated([old, none, new])]
    ['New', 'Old', 'Undated']
    """
    by_title = sorted(articles, key=lambda a: a.title.lower())
    # Python's sort is stable (also reversed): equal dates stay by title.
    dated = sorted((a for a in by_title if a.updated), key=lambda a: a.updated, reverse=True)
    undated = [a for a in by_title if not a.updated]
    return (dated + undated)[:limit]
