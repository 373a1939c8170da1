"""Build output that a deploy can trust: all or nothing, and reproducible.

MkDocs empties `site_dir` and then writes pages one by one; a build that
fails half-way (a template error, or `--strict` aborting on warnings *after*
every page is written) leaves a site that looks finished. So `mkdocs build`
writes into a staging folder beside `site_dir`, and only a build that
succeeded replaces `site_dir` with it. A failed build leaves `site_dir`
empty, as MkDocs itself leaves it when it stops before writing: there is
nothing a deploy could publish as if it were good.

The previous site is moved aside when the build starts, as MkDocs empties
`site_dir` then, and deleted by a second process while the build runs (a
thousand-page site is thousands of files); the build waits for it before it
ends.

`SOURCE_DATE_EPOCH` (https://reproducible-builds.org/specs/source-date-epoch/)
fixes the build date MkDocs writes into pages and `sitemap.xml.gz`; a value
MkDocs cannot read would end in a traceback, so we check it first.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_kb.engine.site.builddate import BuildDateError, source_date_epoch

STAGING_PREFIX = ".ekb-staging-"


def check_source_date_epoch(environ: Any = None) -> str | None:
    """An error message when `SOURCE_DATE_EPOCH` is set but unusable.

    >>> check_source_date_epoch({"SOURCE_DATE_EPOCH": "1700000000"}) is None
    True
    >>> check_source_date_epoch({"SOURCE_DATE_EPOCH": "2024-01-01"})
    "SOURCE_DATE_EPOCH='2024-01-01' is not a whole number of seconds since 1970-01-01 UTC (e.g. SOURCE_DATE_EPOCH=...)"
    """
    try:
        source_date_epoch(environ)
    except BuildDateError as error:
        return str(error)
    return None


def _strict_warnings() -> bool:
    """Whether `mkdocs build --strict` will abort: it counts warnings on this handler."""
    from mkdocs.utils import CountHandler

    for handler in logging.getLogger("mkdocs").handlers:
        if isinstance(handler, CountHandler) and handler.get_counts():
            return True
    return False


@dataclass
class StagedOutput:
    """A staging folder that replaces `site_dir` only when the build succeeded."""

    final: Path
    staging: Path
    # Deleting the previous site, moved aside when the build started.
    cleaner: subprocess.Popen | None = field(default=None, repr=False)

    @classmethod
    def start(cls, config: Any) -> StagedOutput:
        final = Path(config.site_dir)
        final.parent.mkdir(parents=True, exist_ok=True)
        # Beside site_dir, so the final rename stays on one file system.
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=final.parent))
        mask = os.umask(0)
        os.umask(mask)
        staging.chmod(0o777 & ~mask)
        config.site_dir = str(staging)
        staged = cls(final, staging)
        staged.clear_previous_site()
        return staged

    def clear_previous_site(self) -> None:
        if not self.final.is_dir() or self.final.is_symlink() or not any(self.final.iterdir()):
            return
        trash = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.final.parent))
        try:
            os.replace(self.final, trash / "site")
            self.final.mkdir()
        except OSError:  # a mount point, say: it is replaced at the end instead
            shutil.rmtree(trash, ignore_errors=True)
            return
        remove = (["rm", "-rf", "--"] if shutil.which("rm")
                  else [sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], True)"])
        try:
            self.cleaner = subprocess.Popen([*remove, str(trash)], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            shutil.rmtree(trash, ignore_errors=True)

    def _wait_for_cleaner(self) -> None:
        if self.cleaner is not None:
            self.cleaner.wait()
            self.cleaner = None

    def finish(self, config: Any) -> None:
        """Swap the staged site into place, unless `--strict` is about to abort."""
        config.site_dir = str(self.final)
        if config.strict and _strict_warnings():
            self.abandon()
            return
        if self.final.exists():
            old = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.final.parent))
            os.replace(self.final, old / "site")
            os.replace(self.staging, self.final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(self.staging, self.final)
        self._wait_for_cleaner()

    def abandon(self) -> None:
        """After a failure: drop the staged pages and leave site_dir empty."""
        shutil.rmtree(self.staging, ignore_errors=True)
        if self.final.is_dir():
            for child in self.final.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        self._wait_for_cleaner()
