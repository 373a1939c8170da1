"""`evidencekb new` and `evidencekb bib lint|format`: the editors' tools.

- `new "QUESTION?"` scaffolds an article (scaffold.py) under the articles
  folder; it never overwrites a file.
- `bib lint [FILE...]` reports problems of the library (engine/bib/lint.py), each
  as `references.bib:LINE:COL: message`. Exit status: 0 no errors (warnings
  allowed), 1 errors found, 2 could not run.
- `bib format [FILE...]` rewrites the library in its canonical layout
  (engine/bib/layout.py), all at once; `--check` only says whether it would
  change (exit 1), `--stdout` prints instead of writing.

- `bib add ID...` fetches each DOI or PMID from Crossref or PubMed and adds
  it to the library (engine/bib/adding.py); `bib import FILE...` adds every
  record of a PubMed (`.nbib`), RIS or BibTeX file. Each prints the key of
  every new entry, and the existing key of a record already there. Exit
  status: 0 done, 1 some BibTeX entries left out for their problems (the
  others added), 2 nothing written (network error, unreadable file).

Without FILE, they use the `bibliography` of the site's `mkdocs.yml`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from evidence_kb.cli.arguments import add_config_file, add_format
from evidence_kb.cli.scaffold import (
    AUDIENCES,
    NewArticle,
    create_article,
    git_user_name,
)
from evidence_kb.engine.bib.adding import AddError, add_records
from evidence_kb.engine.bib.fetch import FetchError, fetch, http_get
from evidence_kb.engine.bib.kinds import Kind, parse_kind
from evidence_kb.engine.bib.layout import BibFormatError, format_bib
from evidence_kb.engine.bib.lint import lint_bib
from evidence_kb.engine.bib.records import Record, RecordError, records_from_file
from evidence_kb.engine.findings import CheckError, Finding, format_findings
from evidence_kb.engine.site.config import load_site_config
from evidence_kb.engine.site.files import write_atomically
from evidence_kb.engine.site.sources import SourceError, read_text


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
    add_config_file(new)
    new.set_defaults(run=run_new)

    bib = sub.add_parser("bib", help="bibliography tools: lint, format, add and import references",
                         description="Check or tidy the BibTeX library.")
    actions = bib.add_subparsers(dest="bib_command", metavar="ACTION", required=True)
    lint = actions.add_parser("lint", help="report duplicates, missing fields, malformed identifiers, bad rendering")
    lint.add_argument("files", nargs="*", type=Path, help=".bib files (default: the site's bibliography)")
    add_config_file(lint)
    add_format(lint)
    lint.set_defaults(run=run_bib_lint)
    fmt = actions.add_parser("format", help="rewrite the library in one canonical order and layout")
    fmt.add_argument("files", nargs="*", type=Path, help=".bib files (default: the site's bibliography)")
    add_config_file(fmt)
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="change nothing; exit 1 if the file is not formatted")
    mode.add_argument("--stdout", action="store_true", help="print the formatted library instead of writing it")
    fmt.set_defaults(run=run_bib_format)
    add = actions.add_parser(
        "add", help="add references by DOI or PubMed ID, with their metadata from Crossref or PubMed",
        description="Fetch each DOI (10.1136/bmj.n1446) or PubMed ID (PMID:28192793) and add it to the library "
        "as a canonical entry. A reference already there (same DOI, PMID or title) is not added again.",
    )
    add.add_argument("identifiers", nargs="+", metavar="ID", help="a DOI or PMID:NUMBER")
    add.add_argument("--kind", help="the kind of the added references (e.g. 'Systematic review', rct, hta)")
    _library_arguments(add)
    add.set_defaults(run=run_bib_add, get=http_get)
    imp = actions.add_parser(
        "import", help="add every reference of a PubMed (.nbib), RIS or BibTeX file",
        description="Read PubMed's MEDLINE format (.nbib), RIS or BibTeX and add each record to the library "
        "as a canonical entry; records already there (same DOI, PMID or title) are not added again.",
    )
    imp.add_argument("sources", nargs="+", type=Path, metavar="FILE", help="a .nbib, .ris or .bib file")
    _library_arguments(imp)
    imp.set_defaults(run=run_bib_import)


def _library_arguments(parser: Any) -> None:
    parser.add_argument("--bib", type=Path, dest="file", help="the library to add to (default: the site's bibliography)")
    add_config_file(parser)


def run_bib_add(args: argparse.Namespace) -> int:
    kind = None
    if args.kind:
        kind = parse_kind(args.kind)
        if kind is None:
            labels = ", ".join(k.label for k in Kind if k is not Kind.UNKNOWN)
            raise CheckError(f"--kind {args.kind!r} is not one of: {labels}")
    records = []
    for identifier in args.identifiers:
        try:
            record = fetch(identifier, args.get)
        except FetchError as error:
            raise CheckError(f"{identifier}: {error}; nothing was written") from None
        if kind is not None:
            record.kind = kind
        records.append(record)
    return _add(args, records)


def run_bib_import(args: argparse.Namespace) -> int:
    records: list[Record] = []
    skipped: list[Finding] = []
    for source in args.sources:
        try:
            records += records_from_file(_read(source, source.as_posix()), source.as_posix(), skipped)
        except RecordError as error:
            raise CheckError(f"{error}; nothing was written") from None
    # An entry with a problem of its own is not imported; the others are.
    for finding in skipped:
        print(f"{finding.as_text()} (not imported)")
    if not records:
        raise CheckError(f"no usable references in {', '.join(s.as_posix() for s in args.sources)}; nothing was written")
    status = _add(args, records)
    return 1 if skipped else status


def _add(args: argparse.Namespace, records: list[Record]) -> int:
    path, shown = _bib_path(args)
    text = _read(path, shown) if path.exists() else ""
    try:
        updated, results = add_records(text, shown, records)
    except AddError as error:
        raise CheckError(str(error)) from None
    if updated != text:
        write_atomically(path, updated)
    for record, added in zip(records, results, strict=True):
        if added.new:
            hint = "" if record.kind is not Kind.UNKNOWN else " (kind unknown: add kind = {...})"
            print(f"added {added.key} from {record.origin}{hint}")
        else:
            print(f"{shown}:{added.line}: already there as {added.key} ({added.reason}); not added again")
    return 0


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
