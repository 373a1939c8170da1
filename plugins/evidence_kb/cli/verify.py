"""`evidencekb verify SITE_DIR`: run after any build (engine/check/verify.py).

Exit status: 0 the site shows what the sources say, 1 problems found, 2 it
could not run (no such folder, unreadable configuration).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from evidence_kb.cache.library import LibraryCache
from evidence_kb.cache.references import CACHE_DIR
from evidence_kb.cli.arguments import add_config_file, add_format
from evidence_kb.engine.check.verify import SiteVerifier
from evidence_kb.engine.findings import CheckError, format_findings
from evidence_kb.engine.site.config import load_site_config


def add_verify_command(sub: Any) -> None:
    verify = sub.add_parser(
        "verify",
        help="refuse a built site whose pages lack citations, reference lists or review status",
        description="Verify a built site against the sources, whatever host built it. Exit status: "
        "0 clean, 1 problems found, 2 the check could not run.",
    )
    verify.add_argument("site_dir", type=Path, help="the built site (e.g. site)")
    add_config_file(verify)
    add_format(verify)
    verify.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    if not args.site_dir.is_dir():
        raise CheckError(f"{args.site_dir}: no such folder: build the site first")
    site = load_site_config(args.config_file)
    library = LibraryCache(site.root / CACHE_DIR)(site.bibliography_path, site.display(site.bibliography_path))
    findings = SiteVerifier(site, library, args.site_dir).verify()
    pages = len(list(args.site_dir.rglob("*.html")))
    if findings:
        print(format_findings(findings, args.format))
    if args.format == "text":
        print(f"verified {pages} page(s), {len(site.articles())} article(s): {len(findings)} problem(s)")
    return 1 if any(f.severity == "error" for f in findings) else 0
