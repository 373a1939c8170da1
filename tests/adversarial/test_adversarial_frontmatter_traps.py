"""Front-matter traps: each one clear error with file, line and the token, in the check and the build."""

from __future__ import annotations

import pytest
from adversarial_helpers import build, check, finding_lines, make_site

BODY = "\n# T\n\nA claim [@alpha2020].\n"

# (trap, article source, the exact finding the check must print)
TRAPS = [
    ("invalid YAML (MkDocs would show it as text)",
     "---\ntitle: [unclosed\nstatus: draft\n---\n" + BODY,
     "docs/articles/t.md:3:7: invalid YAML in front matter: expected ',' or ']', but got ':'"),
    ("MultiMarkdown-style metadata without ---",
     "Title: Back pain\nAuthor: me\n\n# T\n\nA claim [@alpha2020].\n",
     "docs/articles/t.md:1:1: line 'Title: Back pain' would be hidden: without --- lines MkDocs reads "
     "leading `Key: value` lines as metadata; put front matter between --- lines, or start the page with a heading"),
    ("front matter never closed",
     "---\ntitle: T\n\n# T\n\nA claim [@alpha2020].\n",
     "docs/articles/t.md:1:1: front matter opened with --- on line 1 is never closed: end it with a --- line"),
    ("duplicate key (the last would silently win)",
     "---\ntitle: A\nstatus: submitted\ntitle: B\n---\n" + BODY,
     "docs/articles/t.md:4:1: invalid YAML in front matter: duplicate key 'title' (first at line 2)"),
    ("`yes` coerced to a boolean",
     "---\ntitle: T\nreviewed: yes\nstatus: submitted\n---\n" + BODY,
     "docs/articles/t.md:3:11: front matter field 'reviewed': 'yes' would be read as true, not as text: "
     'quote it if it is text: "yes", or write true'),
    ("octal-looking number coerced",
     "---\ntitle: T\ncode: 0755\nstatus: submitted\n---\n" + BODY,
     "docs/articles/t.md:3:7: front matter field 'code': '0755' would be read as the number 493: "
     'quote it if it is text: "0755"'),
    ("impossible date (a non-YAML error in PyYAML)",
     "---\ntitle: T\nupdated: 2024-02-30\nstatus: submitted\n---\n" + BODY,
     "docs/articles/t.md:3:10: front matter field 'updated': invalid date '2024-02-30': day is out of range for month"),
    ("tag that constructs an object",
     "---\ntitle: !!python/object/apply:os.system [echo hi]\nstatus: submitted\n---\n" + BODY,
     "docs/articles/t.md:2:8: front matter field 'title': tag '!!python/object/apply:os.system' is not allowed "
     "in front matter (tags that construct objects are refused): write plain text, numbers, lists or mappings"),
    ("alias expansion (billion laughs)",
     "---\nx: &a [lol, lol]\ny: [*a, *a, *a]\n---\n" + BODY,
     "docs/articles/t.md:3:5: invalid YAML in front matter: anchors and aliases are not allowed in front matter ('*a')"),
    ("front matter that is not a mapping",
     "---\n- a\n- b\n---\n" + BODY,
     "docs/articles/t.md:2:1: front matter must be a mapping of `key: value` lines"),
]


@pytest.mark.parametrize("trap,source,expected", TRAPS, ids=[t[0] for t in TRAPS])
def test_check_reports_trap_once(tmp_path, trap, source, expected):
    root = make_site(tmp_path, {"articles/t.md": source, "index.md": "# Home\n"})
    result = check(root)
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    # Exactly one finding: one problem, one message.
    assert finding_lines(result.stdout) == [expected]


def test_billion_laughs_is_refused_at_the_first_alias(tmp_path):
    """Nine levels of nine aliases would be 10^9 strings: refused at the first alias, never expanded."""
    from evidence_kb.engine.page.frontmatter import split_document

    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        levels.append(f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 9) + "]")
    text = "---\n" + "\n".join(levels) + "\n---\n# T\n"
    doc = split_document(text)
    assert doc.error is not None and doc.error.line == 3 and "'*a0'" in doc.error.message


@pytest.mark.parametrize("trap,source,expected", [TRAPS[0], TRAPS[1]], ids=["invalid YAML", "MultiMarkdown meta"])
def test_build_fails_with_the_same_message(tmp_path, trap, source, expected):
    root = make_site(tmp_path / "site", {"articles/t.md": source, "index.md": "# Home\n"})
    result = build(root, site_dir=tmp_path / "out")
    assert result.returncode != 0
    assert "Traceback" not in result.output
    assert any(line.endswith(expected) for line in finding_lines(result.stderr)), result.stderr
    assert not any((tmp_path / "out").rglob("*.html"))


def test_front_matter_line_numbers_survive_crlf_and_bom(tmp_path):
    source = TRAPS[3][1]
    crlf = ("\ufeff" + source).replace("\n", "\r\n").encode("utf-8")
    root = make_site(tmp_path, {"articles/t.md": crlf, "index.md": "# Home\n"})
    assert TRAPS[3][2] in finding_lines(check(root).stdout)
