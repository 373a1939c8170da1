"""The related-articles index gives what comparing every pair of articles gives."""

from __future__ import annotations

import random

from evidence_kb.engine.review.related import ArticleInfo, Related, RelatedIndex


def brute_force(article: ArticleInfo, others: list[ArticleInfo], limit: int) -> list[Related]:
    found = []
    for other in others:
        if other.path == article.path:
            continue
        tags = tuple(t for t in other.tags if t in set(article.tags))
        refs = len(set(article.refs) & set(other.refs))
        if tags or refs:
            found.append(Related(other, tags, refs))
    found.sort(key=lambda r: (-r.score, r.article.title.lower()))
    return found[:limit]


def test_index_agrees_with_brute_force() -> None:
    rng = random.Random(7)
    articles = [
        ArticleInfo(f"a{i}.md", f"Title {i:03d}", f"a{i}/",
                    tuple(rng.sample(["Back", "Skin", "Heart", "Pain", "Kids"], rng.randint(0, 2))),
                    tuple(rng.sample([f"k{j}" for j in range(30)], rng.randint(0, 6))))
        for i in range(120)
    ]
    index = RelatedIndex(articles)
    for article in articles:
        assert index.related(article, 5) == brute_force(article, articles, 5)
