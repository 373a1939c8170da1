"""Issue 3 / issue 20: the model article's page shows its sources, numbered in
order of first citation, each with its kind; no unverifiable secondary summary
remains among them."""

from __future__ import annotations

import re

from conftest import mkdocs_build

# The article's reference list, in order of first citation: (kind, title, source, year).
REFERENCES = [
    ("Drug label", "Baclofen: drug label, indications and usage", "openFDA drug label record", "2026"),
    ("Randomised trial", "Ibuprofen Plus Metaxalone, Tizanidine, or Baclofen for Acute Low Back Pain", "Annals of Emergency Medicine", "2019"),
    ("Guideline", "Noninvasive Treatments for Acute, Subacute, and Chronic Low Back Pain", "Annals of Internal Medicine", "2017"),
    ("Guideline", "Low back pain and sciatica in over 16s: assessment and management", "National Institute for Health and Care Excellence", "2016"),
    ("Guideline", "Diagnosis and treatment of low back pain", "Annals of Internal Medicine", "2007"),
    ("Randomised trial", "Efficacy of paracetamol for acute low-back pain", "Lancet", "2014"),
    ("Systematic review", "Systemic Pharmacologic Therapies for Low Back Pain", "Annals of Internal Medicine", "2017"),
    ("Systematic review", "Efficacy, acceptability, and safety of muscle relaxants", "BMJ", "2021"),
    ("Systematic review", "Muscle relaxants for non-specific low-back pain", "Cochrane Database of Systematic Reviews", "2003"),
    ("Drug label", "Tizanidine tablets: drug label", "openFDA drug label record", "2026"),
    ("Drug label", "BACLOFEN tablet", "DailyMed", "2022"),
    ("Randomised trial", "Trial of Pregabalin for Acute and Chronic Sciatica", "New England Journal of Medicine", "2017"),
    ("Systematic review", "Opioids compared to placebo or other treatments for chronic low-back pain", "Cochrane Database of Systematic Reviews", "2013"),
    ("Systematic review", "Dose-Dependent Effects of Opioid Analgesics for Low Back Pain", "JAMA Internal Medicine", "2016"),
    ("Case series", "Intrathecal baclofen for long-term treatment of spasticity", "Journal of Neurology, Neurosurgery and Psychiatry", "1989"),
    ("Health technology assessment", "Intrathecal baclofen pump for spasticity: an evidence-based analysis", "Ontario Health Technology Assessment Series", "2005"),
    ("Case series", "Continuous intrathecal baclofen for severe spasticity", "Lancet", "1985"),
]


def test_model_article_lists_its_verified_sources(site_copy) -> None:
    root = site_copy("repo")
    result = mkdocs_build(root)
    assert result.returncode == 0, result.output
    html = (root / "site/articles/baclofen-back-strain/index.html").read_text(encoding="utf-8")
    entries = re.findall(r'<li class="ekb-ref"[^>]* id="ref-(\d+)">(.*?)</li>', html, re.S)
    assert [n for n, _ in entries] == [str(i) for i in range(1, len(REFERENCES) + 1)]
    for (_, entry), (kind, title, source, year) in zip(entries, REFERENCES, strict=True):
        assert f'<span class="ekb-ref__kind">{kind}</span>' in entry
        assert title in entry and source in entry and year in entry
    assert "Dr.Oracle" not in html and "Praxis" not in html
    groups = [re.sub(r"<[^>]+>", "", g) for g in re.findall(r'<sup class="ekb-cite" id="cite-\d+">(.*?)</sup>', html)]
    # The bottom line cites the label, the trial and both guidelines; the
    # intrathecal rule cites the series and the assessment together.
    assert groups[0] == "1–4"
    assert "15, 16" in groups and "17" in groups
    body = html[html.index("Management of Back Strain"):]
    assert "<ol>" in body  # the numbered treatment algorithm
    assert '<div class="ekb-patient">' in body  # a patient passage, so audience: both
