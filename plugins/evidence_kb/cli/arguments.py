"""Options every `evidencekb` command that reads the site shares, written once."""

from __future__ import annotations

import argparse
from pathlib import Path

FORMATS = ("text", "json", "github")


def add_config_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"),
                        help="site configuration (default: mkdocs.yml)")


def add_format(parser: argparse.ArgumentParser, formats: tuple[str, ...] = FORMATS) -> None:
    parser.add_argument("--format", choices=formats, default="text", help="output format (default: text)")
