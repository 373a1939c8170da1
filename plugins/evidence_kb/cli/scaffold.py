"""`evidencekb new`: a new article from a clinical question.

The scaffold has the front matter filled in (the question as title, status
*submitted*, today's dates, the author) and the standard sections of the
model article (`docs/articles/baclofen-back-strain.md`) as headings, each
with an HTML comment saying what belongs there. Comments and headings are
not claims, so the scaffold passes the check until the editor writes the
first sentence -- which then has to cite.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evidence_kb.engine.findings import CheckError
from evidence_kb.engine.page.frontmatter import split_document
from evidence_kb.engine.page.schema import AUDIENCES, validate_article

# Words that carry no meaning in a slug ("What is the best ... for a ...?").
STOP_WORDS = frozenset(
    """a an and are as at be been being by can could do does for from has have having how i in
    into is it its my of on or our patient patients person people should the their there this to
    was we what when where which who whom why will with would you your""".split()
)
MAX_SLUG_WORDS = 6
MAX_SLUG_LENGTH = 60

# The standard sections, in the model article's order, with what goes in each.
SECTIONS: tuple[tuple[str, str], ...] = (
    (
        "Bottom line",
        "The answer in one or two sentences, in bold, with its citation, then the line\n"
        "     `{: .ekb-bottom-line }` right under it so the page shows it as the bottom line:\n"
        "     **Baclofen is not recommended as first-line treatment for back strain.** [@key]\n"
        "     {: .ekb-bottom-line }\n"
        "     You may rename this heading to state the answer, as the model article does.",
    ),
    (
        "First-line options",
        "What to do or prescribe first, one list item per option, each with its\n"
        "     citation [@key]; indent sub-items (doses, cautions) under their option.",
    ),
    (
        "Evidence for and against",
        "What the guidelines and studies found, for and against each option. Say how\n"
        "     strong the evidence is (guideline, systematic review, trial, case series).",
    ),
    (
        "Recommended treatment algorithm",
        "A numbered list of steps in the order a clinician takes them. A step that only\n"
        "     introduces a list ends with a colon and needs no citation if each item cites.",
    ),
    (
        "Special considerations",
        "Groups or situations that change the answer (pregnancy, older adults, kidney\n"
        "     disease, red flags), and when to refer or reconsider.",
    ),
)


@dataclass
class NewArticle:
    """What the scaffold needs to know."""

    question: str
    author: str
    today: dt.date
    audience: str = "clinician"
    tags: list[str] = field(default_factory=list)


def slugify(question: str) -> str:
    """A short file name from a question: its meaningful words, ASCII, hyphenated.

    >>> slugify("What is the appropriate treatment for a patient with back strain requesting baclofen?")
    'appropriate-treatment-back-strain-requesting-baclofen'
    >>> slugify("Ménière's disease: betahistine?")
    'menieres-disease-betahistine'
    >>> slugify("What is it?")
    'what-is-it'
    """
    ascii_text = unicodedata.normalize("NFKD", question).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower().replace("'", ""))
    meaningful = [w for w in words if w not in STOP_WORDS] or words
    slug = "-".join(meaningful[:MAX_SLUG_WORDS])
    if len(slug) > MAX_SLUG_LENGTH:
        slug = slug[:MAX_SLUG_LENGTH].rsplit("-", 1)[0]
    return slug


class _Dumper(yaml.SafeDumper):
    # Two equal dates must be written twice, not as an anchor and an alias
    # (which our front matter loader refuses).
    def ignore_aliases(self, data: object) -> bool:
        return True


def render_article(new: NewArticle) -> str:
    """The scaffold's Markdown.

    >>> text = render_article(NewArticle("Is X safe?", "Jane Doe", dt.date(2025, 1, 2)))
    >>> print(text[:text.index("## Bottom line")])
    ---
    title: Is X safe?
    status: submitted
    audience: clinician
    tags: []
    authors:
    - Jane Doe
    created: 2025-01-02
    updated: 2025-01-02
    # description: the bottom line in one sentence
    ---
    <BLANKLINE>
    # Is X safe?
    <BLANKLINE>
    <BLANKLINE>
    """
    meta = {
        "title": new.question,
        "status": "submitted",
        "audience": new.audience,
        "tags": list(new.tags),
        "authors": [new.author],
        "created": new.today,
        "updated": new.today,
    }
    front = yaml.dump(meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)
    # Filled in once the article is written (see docs/editorial-policy.md).
    front += "# description: the bottom line in one sentence\n"
    parts = [f"---\n{front}---\n", f"# {new.question}\n"]
    for heading, guidance in SECTIONS:
        parts.append(f"## {heading}\n\n<!-- {guidance} -->\n")
    return "\n".join(parts)


def git_user_name(cwd: Path) -> str | None:
    """`git config user.name`, or None when git or the setting is missing."""
    try:
        result = subprocess.run(
            ["git", "config", "user.name"], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    name = result.stdout.strip()
    return name or None


def validate_scaffold(shown: str, text: str) -> None:
    """The scaffold must satisfy the front matter schema; say so plainly if not."""
    doc = split_document(text)
    if doc.error is not None:
        raise CheckError(f"{shown}:{doc.error.line}: {doc.error.message}")
    result = validate_article(shown, doc, text)
    errors = [f for f in result.findings if f.severity == "error"]
    if errors:
        raise CheckError("; ".join(f.message for f in errors))


def create_article(articles_dir: Path, new: NewArticle, slug: str | None = None, shown_dir: str | None = None) -> Path:
    """Write the scaffold to `articles_dir/<slug>.md`; never overwrite a file."""
    question = " ".join(new.question.split())
    if not question:
        raise CheckError("the question is empty: write it as a clinician would ask it")
    new.question = question
    slug = slug or slugify(question)
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        raise CheckError(f"cannot make a file name from {slug!r}: give one with --slug, such as back-strain-baclofen")
    path = articles_dir / f"{slug}.md"
    shown = f"{shown_dir}/{slug}.md" if shown_dir else str(path)
    text = render_article(new)
    validate_scaffold(shown, text)
    articles_dir.mkdir(parents=True, exist_ok=True)
    try:
        # "x": create, and fail if anything is already there (no race, no overwrite).
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise CheckError(f"{shown} already exists; choose another name with --slug or edit that article") from None
    return path


__all__ = ["AUDIENCES", "NewArticle", "SECTIONS", "create_article", "git_user_name", "render_article", "slugify"]
