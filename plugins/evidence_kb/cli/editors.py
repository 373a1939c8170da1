"""`evidencekb new` and `evidencekb bib lint|format`: the editors' tools.

- `new "QUESTION?"` scaffolds an article (scaffold.py) under the articles
  folder; it never overwrites a file.
- `bib lint [FILE...]` reports problems of the library (core/biblint.py), each
  as `references.bib:LINE:COL: message`. Exit status: 0 no errors (warnings
  allowed), 1 errors found, 2 could not run.
- `bib format [FILE...]` rewrites the library in its canonical layout
  (core/bibformat.py), all at once; `--check` only says whether it would
  change (exit 1), `--stdout` prints instead of writing.

Without FILE, both use the `bibliography` of the site's `mkdocs.yml`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from evidence_kb.cli.scaffold import (
    AUDIENCES,
    NewArticle,
    create_article,
    git_user_name,
)
from evidence_kb.engine.bib.layout import BibFormatError, format_bib
from evidence_kb.engine.bib.lint import lint_bib
from evidence_kb.engine.files import write_atomically
from evidence_kb.engine.findings import CheckError, format_findings
from evidence_kb.engine.site import load_site_config
from evidence_kb.engine.sources import SourceError, read_text


def add_editor_commands(sub: Any) -> None:
    """Register `new` and `bib` on the `evidencekb` parser."""
    new = sub.add_parser(
        "new",
        help="scaffold a new article from a clinical question",
        description="Create docs/<articles>/<slug>.md with the front matter filled in and the standard "
        "sections as headings. Refuses to overwrite an existing file.",
    )
    new.add_argument("question", help='the clinical question, quoted: "What is ...?"')
    new.add_argument("--author", help="the author's name (default: git config user.name)")
    new.add_argument("--slug", help="file name without .md (default: made from the question)")
    new.add_argument("--tag", action="append", default=[], dest="tags", metavar="TAG", help="a tag (specialty); repeat for more")
    new.add_argument("--audience", choices=AUDIENCES, default="clinician", help="who the article is for (default: clinician)")
    new.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"),
                     help="site configuration (default: mkdocs.yml)")
    new.set_defaults(run=run_new)

    bib = sub.add_parser("bib", help="bibliography tools: lint and format references.bib",
                         description="Check or tidy the BibTeX library.")
    actions = bib.add_subparsers(dest="bib_command", metavar="ACTION", required=True)
    lint = actions.add_parser("lint", help="report duplicates, missing fields, malformed identifiers, bad rendering")
    lint.add_argument("files", nargs="*", type=Path, help=".bib files (default: the site's bibliography)")
    lint.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"),
                      help="site configuration (default: mkdocs.yml)")
    lint.add_argument("--format", choices=("text", "json", "github"), default="text", help="output format (default: text)")
    lint.set_defaults(run=run_bib_lint)
    fmt = actions.add_parser("format", help="rewrite the library in one canonical order and layout")
    fmt.add_argument("files", nargs="*", type=Path, help=".bib files (default: the site's bibliography)")
    fmt.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"),
                     help="site configuration (default: mkdocs.yml)")
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="change nothing; exit 1 if the file is not formatted")
    mode.add_argument("--stdout", action="store_true", help="print the formatted library instead of writing it")
    fmt.set_defaults(run=run_bib_format)


def run_new(args: argparse.Namespace) -> int:
    site = load_site_config(args.config_file)
    author = (args.author or "").strip() or git_user_name(site.root.resolve())
    if not author:
        raise CheckError("who is the author? give --author \"Your Name\" or set `git config user.name`")
    articles_dir = site.docs_dir / site.options.articles_dir
    new = NewArticle(args.question, author, dt.date.today(), args.audience, [t.strip() for t in args.tags if t.strip()])
    path = create_article(articles_dir, new, args.slug, shown_dir=site.display(articles_dir))
    shown = site.display(path)
    print(f"created {shown}")
    print("next: write each section with a citation after every claim, then run")
    print(f"  evidencekb check {shown}")
    print("and add the page to `nav:` in mkdocs.yml if the site lists its pages there.")
    return 0


def _bib_path(args: argparse.Namespace, file: Path | None = None) -> tuple[Path, str]:
    file = file if file is not None else getattr(args, "file", None)
    if file is not None:
        return file, file.as_posix()
    site = load_site_config(args.config_file)
    return site.bibliography_path, site.display(site.bibliography_path)


def _read(path: Path, shown: str) -> str:
    try:
        return read_text(path, shown)
    except SourceError as error:
        raise CheckError(f"{shown}:{error.line}: {error.message}") from None


def run_bib_lint(args: argparse.Namespace) -> int:
    status = 0
    for file in args.files or [None]:
        path, shown = _bib_path(args, file)
        findings = lint_bib(_read(path, shown), shown)
        errors = [f for f in findings if f.severity == "error"]
        if findings:
            print(format_findings(findings, args.format))
        if args.format == "text":
            print(f"{shown}: {len(errors)} error(s), {len(findings) - len(errors)} warning(s)")
        status = max(status, 1 if errors else 0)
    return status


def run_bib_format(args: argparse.Namespace) -> int:
    if args.stdout and len(args.files) > 1:
        raise CheckError("--stdout prints one file: give one")
    return max(_format_one(args, file) for file in args.files or [None])


def _format_one(args: argparse.Namespace, file: Path | None) -> int:
    path, shown = _bib_path(args, file)
    text = _read(path, shown)
    try:
        formatted = format_bib(text, shown)
    except BibFormatError as error:
        print(format_findings(error.findings), file=sys.stderr)
        return 1
    if args.stdout:
        sys.stdout.write(formatted)
        return 0
    if formatted.encode("utf-8") == path.read_bytes():
        print(f"{shown}: already formatted")
        return 0
    if args.check:
        print(f"{shown}: not formatted; run `evidencekb bib format`")
        return 1
    write_atomically(path, formatted.encode("utf-8"))
    print(f"{shown}: formatted")
    return 0
