"""The real knowledge base built by Zensical (our extension, no plugin), in a real browser:
hover cards and the audience switch work as under MkDocs (mkdocs.yml names
our stylesheets and scripts for it: README, Hosts)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from runner import copy_real_kb

from .conftest import serve

MODEL_ARTICLE = "articles/baclofen-back-strain/"


@pytest.fixture(scope="module")
def zensical_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = copy_real_kb(tmp_path_factory.mktemp("zensical") / "kb")
    zensical = Path(sys.executable).parent / "zensical"
    proc = subprocess.run([str(zensical), "build", "--clean"], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with serve(root / "site") as url:
        yield url


def test_hover_card_and_audience_switch_under_zensical(page: Page, zensical_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(zensical_url + MODEL_ARTICLE)
    expect(page.locator(".ekb-review__tracker")).to_be_visible()
    link = page.locator("a.ekb-cite__link").first
    number = link.get_attribute("data-ekb-ref")
    link.hover()
    card = page.locator(f"#ekb-card-{number}")
    expect(card).to_be_visible()
    kind = page.locator(f"#ref-{number} .ekb-ref__kind").text_content()
    expect(card.locator(".ekb-ref__kind")).to_have_text(kind or "")
    page.get_by_role("radio", name="Patient or caregiver").check()
    expect(page.locator(".ekb-disclaimer .ekb-patient")).to_be_visible()
    for passage in page.locator("article .ekb-clinician").all():
        expect(passage).to_be_hidden()
    assert errors == []
