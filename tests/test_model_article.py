"""Issue 3: the model article's page shows the seed's sources, numbered as the seed numbers them."""

from __future__ import annotations

import re

from conftest import mkdocs_build

# The seed's reference list, in its order: (kind, title, source, year).
SEED_REFERENCES = [
    ("Guideline", "Guideline Directed Topic Overview", "Dr.Oracle Medical Advisory Board", "2025"),
    ("Guideline", "Traitement de la Douleur Lombaire Chronique", "Praxis Medical Insights: Practical Summaries of Clinical Guidelines", "2025"),
    ("Case series", "Continuous intrathecal baclofen for severe spasticity", "Lancet", "1985"),
    ("Guideline", "Management of Muscle Tone When Baclofen is Ineffective", "Praxis Medical Insights: Practical Summaries of Clinical Guidelines", "2025"),
    ("Health technology assessment", "Intrathecal baclofen pump for spasticity: an evidence-based analysis", "Ontario Health Technology Assessment Series", "2005"),
]


def test_model_article_matches_the_seed(site_copy) -> None:
    root = site_copy("repo")
    result = mkdocs_build(root)
    assert result.returncode == 0, result.output
    html = (root / "site/articles/baclofen-back-strain/index.html").read_text(encoding="utf-8")
    entries = re.findall(r'<li class="ekb-ref"[^>]* id="ref-(\d+)">(.*?)</li>', html, re.S)
    assert [n for n, _ in entries] == ["1", "2", "3", "4", "5"]
    for (_, entry), (kind, title, source, year) in zip(entries, SEED_REFERENCES):
        assert f'<span class="ekb-ref__kind">{kind}</span>' in entry
        assert title in entry and source in entry and year in entry
    groups = [re.sub(r"<[^>]+>", "", g) for g in re.findall(r'<sup class="ekb-cite" id="cite-\d+">(.*?)</sup>', html)]
    # Bottom line cites 1; the first option cites 1, 2; the 1985 study is 3;
    # "primarily indicated for spasticity" cites 1, 4; "most effective for rigidity" cites 4, 5.
    assert groups[0] == "1"
    assert "1, 2" in groups and "3" in groups and "1, 4" in groups and "4, 5" in groups
    body = html[html.index("Management of Back Strain"):]
    assert "<ol>" in body  # the numbered treatment algorithm
