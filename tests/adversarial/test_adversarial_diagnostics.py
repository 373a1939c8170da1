"""Diagnostics an editor can act on at once: every problem of a file, each at its own line, named.

Each case is one bad input and the exact findings `evidencekb check` must
print for it: no more (one problem, one finding), no less, each with
`file:line:col`, the field or key, and the token at fault.
"""

from __future__ import annotations

import pytest
from adversarial_helpers import build, check, finding_lines, make_site

BODY = "# T\n\nA claim [@alpha2020].\n"
# 2026-01-15 00:00 UTC: the build date of every case (SOURCE_DATE_EPOCH).
EPOCH = {"SOURCE_DATE_EPOCH": "1768435200"}
A = "docs/articles/t.md"
# The home page cites the entry no article does, so that no case reports it unused.
HOME = "# Home\n\nSee [@rothwell2018; @alpha2020].\n"

# (case, article source, the exact findings)
CASES = [
    ("every YAML surprise of a file, each at its own line",
     "---\ntitle: 1.10\nstatus: submitted\nreviewers: Jane Roe, MD\ntags:\n  - yes\n  - on\n  - NO\naudience: no\n---\n"
     + BODY,
     [f"{A}:2:1: front matter field 'title': expected text, got a number: '1.10' would be read as 1.1; "
      'quote it: "1.10"',
      f"{A}:4:1: front matter field 'reviewers': expected a list (one `- item` per line), got 'Jane Roe, MD'",
      f"{A}:6:5: front matter field 'tags[0]': 'yes' would be read as true, not as text: "
      'quote it if it is text: "yes", or write true',
      f"{A}:7:5: front matter field 'tags[1]': 'on' would be read as true, not as text: "
      'quote it if it is text: "on", or write true',
      f"{A}:8:5: front matter field 'tags[2]': 'NO' would be read as false, not as text: "
      'quote it if it is text: "NO", or write false',
      f"{A}:9:11: front matter field 'audience': 'no' would be read as false, not as text: "
      'quote it if it is text: "no", or write false']),
    ("flow list of yes/on tags: one finding per value, at its column",
     "---\ntitle: T\nstatus: submitted\ntags: [yes, Pain, on]\n---\n" + BODY,
     [f"{A}:4:8: front matter field 'tags[0]': 'yes' would be read as true, not as text: "
      'quote it if it is text: "yes", or write true',
      f"{A}:4:19: front matter field 'tags[2]': 'on' would be read as true, not as text: "
      'quote it if it is text: "on", or write true']),
    ("unclosed double quote, reported where it opens",
     '---\ntitle: "What helps back pain?\nstatus: submitted\naudience: clinician\n---\n' + BODY,
     [f'{A}:2:8: invalid YAML in front matter: field \'title\': the quote " opened here is never closed: '
      'end the text with " on the same line']),
    ("unclosed quote followed by other quoted values",
     "---\ntitle: 'Back pain\nstatus: 'submitted'\n---\n" + BODY,
     [f"{A}:2:8: invalid YAML in front matter: field 'title': the quote ' opened here is never closed: "
      "end the text with ' on the same line"]),
    ("unclosed quote inside a flow list",
     '---\ntitle: T\nstatus: submitted\ntags: ["Pain, Back]\n---\n' + BODY,
     [f'{A}:4:8: invalid YAML in front matter: field \'tags\': the quote " opened here is never closed: '
      'end the text with " on the same line']),
    ("a quote inside quoted text ends it early",
     "---\ntitle: 'What's best for back pain?'\nstatus: submitted\n---\n" + BODY,
     [f"{A}:2:8: invalid YAML in front matter: field 'title': the text quoted with ' here ends before the value "
      "does: inside '...' write '' for a ', or quote the whole value with the other kind of quote"]),
    ("impossible calendar date names its field",
     "---\ntitle: T\nstatus: submitted\ncreated: 2024-02-30\n---\n" + BODY,
     [f"{A}:4:10: front matter field 'created': invalid date '2024-02-30': day is out of range for month"]),
    ("impossible calendar date, quoted",
     '---\ntitle: T\nstatus: submitted\nupdated: "2025-04-31"\n---\n' + BODY,
     [f"{A}:4:1: front matter field 'updated': invalid date '2025-04-31': day is out of range for month"]),
    ("a review dated after the build",
     "---\ntitle: T\nstatus: under-review\nreviewed: 2026-03-01\n---\n" + BODY,
     [f"{A}:4:1: front matter field 'reviewed': the review date 2026-03-01 is after the build date (2026-01-15): "
      "a review cannot be dated in the future; write the day it took place"]),
    ("a reviewer's date before the article was created",
     "---\ntitle: T\nstatus: under-review\ncreated: 2025-06-01\nreviewers:\n  - name: Jane Roe\n"
     "    date: 2025-05-01\n---\n" + BODY,
     [f"{A}:7:1: front matter field 'reviewers[0].date': the review date 2025-05-01 is before the article was "
      "created (2025-06-01): a review cannot come before the text"]),
    ("an approval reviewed before creation is one finding, not two",
     "---\ntitle: T\nstatus: approved\ncreated: 2025-06-01\nupdated: 2025-07-01\nreviewers: [Jane Roe]\n"
     "reviewed: 2025-05-01\nfingerprint: sha256:" + "0" * 64 + "\n---\n" + BODY,
     [f"{A}:7:1: front matter field 'reviewed': the review date 2025-05-01 is before the article was "
      "created (2025-06-01): a review cannot come before the text",
      f"{A}:8:1: warning: stale approval: the text or a cited reference changed after the approval; the site "
      "shows the article as under review until `evidencekb review approve` records a new approval"]),
    ("an article without front matter",
     BODY,
     [f"{A}:1:1: an article needs 'title' and 'status' in front matter between --- lines at the top of the "
      "file (title: the question the article answers; status: submitted)"]),
    ("an article without status",
     "---\ntitle: T\n---\n" + BODY,
     [f"{A}:1:1: an article needs 'status' in its front matter (status: submitted)"]),
    ("an article without title",
     "---\nstatus: submitted\n---\n" + BODY,
     [f"{A}:1:1: an article needs 'title' in its front matter (title: the question the article answers)"]),
    ("a zero-width space inside a key",
     "---\ntitle: T\nstatus: submitted\n---\n# T\n\nA claim [@alpha\u200b2020].\n",
     [f"{A}:7:10: unknown citation key '@alpha<U+200B>2020' (not in references.bib): it holds U+200B "
      "(ZERO WIDTH SPACE), an invisible character; looks like 'alpha2020': retype it as '@alpha2020'"]),
    ("a Cyrillic o in a Latin key",
     "---\ntitle: T\nstatus: submitted\n---\n# T\n\nA claim [@r\u043ethwell2018].\n",
     [f"{A}:7:10: unknown citation key '@r<U+043E>thwell2018' (not in references.bib): it holds U+043E "
      "(CYRILLIC SMALL LETTER O), which looks like the Latin 'o'; looks like 'rothwell2018': "
      "retype it as '@rothwell2018'"]),
    ("a no-break space inside a key",
     "---\ntitle: T\nstatus: submitted\n---\n# T\n\nA claim [@alpha\u00a02020].\n",
     [f"{A}:7:10: unknown citation key '@alpha<U+00A0>2020' (not in references.bib): it holds U+00A0 "
      "(NO-BREAK SPACE), a space that looks like none or like a plain one; looks like 'alpha2020': "
      "retype it as '@alpha2020'"]),
    ("an invisible character in a key not in the library: still a citation, not an uncited claim",
     "---\ntitle: T\nstatus: submitted\n---\n# T\n\nA claim [@zeta\u200b2001; @alpha2020].\n",
     [f"{A}:7:10: unknown citation key '@zeta<U+200B>2001' (not in references.bib): it holds U+200B "
      "(ZERO WIDTH SPACE), an invisible character; looks like 'zeta2001'"]),
]

LIBRARY = """@article{alpha2020,
  author  = {Smith, Jane},
  title   = {Alpha trial},
  journal = {Journal},
  year    = {2020}, doi = {10.5555/alpha.2020}
}

@article{rothwell2018,
  author  = {Roe, Rita},
  title   = {Test title},
  journal = {Journal},
  year    = {2018}, doi = {10.5555/rothwell.2018}
}
"""


@pytest.mark.parametrize("case,source,expected", CASES, ids=[c[0] for c in CASES])
def test_check_reports_each_problem_once_at_its_line(tmp_path, case, source, expected):
    root = make_site(tmp_path, {"articles/t.md": source, "index.md": HOME}, bib=LIBRARY)
    result = check(root, env=EPOCH)
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    assert not any(char in result.output for char in "\u200b\u043e\u00a0")
    assert finding_lines(result.stdout) == expected


def test_bare_reviewer_names_are_reviewers(tmp_path):
    source = ("---\ntitle: T\nstatus: under-review\nreviewers:\n  - Jane Roe\n  - name: John Doe\n    role: MD\n"
              "---\n" + BODY)
    root = make_site(tmp_path / "site", {"articles/t.md": source, "index.md": HOME}, bib=LIBRARY)
    assert check(root, env=EPOCH).returncode == 0
    built = build(root, "--strict", site_dir=tmp_path / "out", env=EPOCH)
    assert built.returncode == 0, built.output
    page = (tmp_path / "out" / "articles" / "t" / "index.html").read_text(encoding="utf-8")
    assert '<span class="ekb-review__reviewer">Jane Roe</span>' in page
    assert '<span class="ekb-review__reviewer">John Doe, <span class="ekb-review__credentials">MD</span>' in page


def test_the_build_reports_what_the_check_reports(tmp_path):
    _, source, expected = CASES[0]
    root = make_site(tmp_path / "site", {"articles/t.md": source, "index.md": HOME}, bib=LIBRARY)
    built = build(root, site_dir=tmp_path / "out", env=EPOCH)
    assert built.returncode != 0 and "Traceback" not in built.output
    assert sorted(finding_lines(built.stderr)) == sorted(expected)
    assert not any((tmp_path / "out").rglob("*.html"))


# (case, the articles, the exact findings)
COLLISIONS = [
    ("names that differ only in case",
     {"articles/Foo.md": "Foo", "articles/foo.md": "foo"},
     ["docs/articles/foo.md:1:1: articles 'docs/articles/Foo.md' and 'docs/articles/foo.md' would be published at "
      "the same address 'articles/foo/' (addresses that differ only in case are one file on macOS, Windows and "
      "many servers), one overwriting the other: rename one of them"]),
    ("a page and a folder index at the same address",
     {"articles/x.md": "X", "articles/x/index.md": "X index"},
     ["docs/articles/x/index.md:1:1: articles 'docs/articles/x.md' and 'docs/articles/x/index.md' would be "
      "published at the same address 'articles/x/', one overwriting the other: rename one of them"]),
    ("two articles with the same title",
     {"articles/a.md": "Does rest help?", "articles/b.md": "Does  rest help?"},
     ["docs/articles/b.md:2:1: articles 'docs/articles/a.md' and 'docs/articles/b.md' have the same title "
      "'Does  rest help?': each article answers its own question; merge them or make the titles distinct"]),
]


@pytest.mark.parametrize("case,titles,expected", COLLISIONS, ids=[c[0] for c in COLLISIONS])
def test_colliding_articles_name_both_files(tmp_path, case, titles, expected):
    pages = {name: f"---\ntitle: {title}\nstatus: submitted\n---\n" + BODY for name, title in titles.items()}
    root = make_site(tmp_path / "site", {**pages, "index.md": HOME}, bib=LIBRARY)
    result = check(root, env=EPOCH)
    assert result.returncode == 1, result.output
    assert finding_lines(result.stdout) == expected
    built = build(root, site_dir=tmp_path / "out", env=EPOCH)
    assert built.returncode != 0
    assert finding_lines(built.stderr) == expected
    assert not any((tmp_path / "out").rglob("*.html")), "nothing is written, so nothing is overwritten"


def test_an_invisible_character_before_the_at_sign_is_no_part_of_the_key(tmp_path):
    source = "---\ntitle: T\nstatus: submitted\n---\n# T\n\nA claim [\u200b@alpha2020; \u200b@rothwell2018].\n"
    root = make_site(tmp_path, {"articles/t.md": source, "index.md": "# Home\n"}, bib=LIBRARY)
    result = check(root, env=EPOCH)
    assert result.returncode == 0, result.output
    assert finding_lines(result.stdout) == []
