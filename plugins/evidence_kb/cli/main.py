"""`evidencekb`: the command line, over the same core as the MkDocs plugin.

Exit status of `evidencekb check`: 0 clean (warnings allowed), 1 problems
found, 2 the check could not run (bad arguments, unreadable configuration).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from evidence_kb import __version__
from evidence_kb.cache.checks import CheckCache, LazyChecker
from evidence_kb.cache.library import LibraryCache
from evidence_kb.cache.store import CACHE_DIR
from evidence_kb.cli.arguments import add_config_file, add_format
from evidence_kb.cli.editors import add_editor_commands
from evidence_kb.cli.review import add_review_commands
from evidence_kb.cli.verify import add_verify_command
from evidence_kb.engine.check.checker import Report
from evidence_kb.engine.findings import CheckError, format_findings
from evidence_kb.engine.site.config import load_site_config
from evidence_kb.engine.site.hostcheck import unsupported_mkdocs

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_CANNOT_RUN = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidencekb",
        description="Evidence KB: check and maintain an evidence-based clinical knowledge base.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = sub.add_parser(
        "check",
        help="check that every claim cites a reference and every key resolves",
        description="Check articles without building the site. Exit status: 0 clean, "
        "1 problems found, 2 the check could not run.",
    )
    check.add_argument("paths", nargs="*", type=Path, help="Markdown files or folders (default: the whole site)")
    add_config_file(check)
    add_format(check)
    check.set_defaults(run=run_check)
    add_review_commands(sub)
    add_editor_commands(sub)
    add_verify_command(sub)
    return parser


def run_check(args: argparse.Namespace) -> int:
    # Run before every build: an unusable MkDocs is said here in one line.
    unsupported = unsupported_mkdocs()
    if unsupported:
        raise CheckError(unsupported)
    site = load_site_config(args.config_file)
    for path in args.paths:
        if not path.exists():
            raise CheckError(f"{path}: no such file or folder")
    # Results of unchanged pages come from .cache/evidence-kb/check.json; the
    # library is parsed only if some page must really be checked.
    cache = CheckCache(site)
    library = LibraryCache(site.root / CACHE_DIR)
    checker = LazyChecker(site, lambda: library(site.bibliography_path, site.display(site.bibliography_path)))
    report = checker.check_paths(args.paths or None, cache=cache)
    cache.save(whole_site=not args.paths)
    print(render_report(report, args.format))
    return EXIT_PROBLEMS if report.errors else EXIT_CLEAN


def render_report(report: Report, fmt: str) -> str:
    warnings = len(report.findings) - len(report.errors)
    summary = (
        f"checked {report.pages} page(s), {report.claims} claim(s): "
        f"{len(report.errors)} error(s), {warnings} warning(s), {len(report.exemptions)} exemption(s)"
    )
    if fmt == "json":
        return json.dumps(
            {
                "findings": json.loads(format_findings(report.findings, "json")),
                "exemptions": [asdict(e) for e in report.exemptions],
                "summary": {"pages": report.pages, "claims": report.claims,
                            "errors": len(report.errors), "warnings": warnings,
                            "exemptions": len(report.exemptions)},
            },
            indent=2,
            ensure_ascii=False,
        )
    lines = [format_findings(report.findings, fmt)] if report.findings else []
    if fmt == "text":
        lines += [f"{e.path}:{e.line}: exempt ({e.reason}): \"{e.claim}\"" for e in report.exemptions]
        lines.append(summary)
    else:
        lines += [f"::notice file={e.path},line={e.line}::exempt from citation: {e.reason}" for e in report.exemptions]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits 2 on bad arguments already; keep 0 for --help/--version.
        return int(exit_.code or 0)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_CLEAN
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Run parsed arguments: a problem that stops the command is one message and exit status 2."""
    try:
        return int(args.run(args))
    except CheckError as error:
        print(f"evidencekb: error: {error}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        return EXIT_CANNOT_RUN


if __name__ == "__main__":
    sys.exit(main())
