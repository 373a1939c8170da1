"""Edit an article's front matter in place, changing only the fields we set.

`evidencekb review approve` and `review request` must leave every other
byte of the file as the author wrote it: comments, key order, quoting, line
endings, the body. So we never dump the front matter through a YAML writer;
we replace or insert the lines of the fields we set, then prove the result
by parsing it again (:func:`edit_front_matter`): the other fields and the
body must come out exactly as before, or nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import yaml

from evidence_kb.engine.page.frontmatter import split_document

FRONT = re.compile(r"\A(---[ \t]*\r?\n)(.*?\r?\n)?((?:---|\.\.\.)[ \t]*(?:\r?\n|\Z))", re.S)
TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]|\r?\n|$)")
# Where a missing field goes: after the first of these that exists, else at the end.
ANCHORS = {
    "status": ("description", "title"),
    "reviewers": ("editors", "authors", "tags", "audience", "status"),
    "reviewed": ("updated", "created"),
    "fingerprint": ("reviewed", "updated"),
}


class EditError(ValueError):
    """The front matter cannot be edited safely (nothing was written)."""


def yaml_scalar(value: Any) -> str:
    """A value as one line of YAML: plain when YAML reads it back unchanged, else quoted.

    >>> yaml_scalar("Jane Roe"), yaml_scalar("MD: pain"), yaml_scalar("yes"), yaml_scalar(dt.date(2025, 1, 2))
    ('Jane Roe', '"MD: pain"', '"yes"', '2025-01-02')
    """
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    try:
        plain = "\n" not in text and yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def _reviewer_lines(reviewer: dict[str, Any], indent: str, nl: str) -> list[str]:
    lines = []
    for i, name in enumerate(k for k in ("name", "role", "date") if reviewer.get(k) not in (None, "")):
        lead = f"{indent}- " if i == 0 else f"{indent}  "
        lines.append(f"{lead}{name}: {yaml_scalar(reviewer[name])}{nl}")
    return lines


def _extent(lines: list[str], start: int) -> int:
    """Index after the last line of the top-level field starting at `start`."""
    end = start + 1
    while end < len(lines) and not TOP_KEY.match(lines[end]):
        end += 1
    # Blank lines and column-0 comments before the next key belong to no field.
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return end


def _find(lines: list[str], key: str) -> int | None:
    for index, line in enumerate(lines):
        match = TOP_KEY.match(line)
        if match and match.group(1) == key:
            return index
    return None


def _insert_at(lines: list[str], key: str) -> int:
    for anchor in ANCHORS.get(key, ()):
        index = _find(lines, anchor)
        if index is not None:
            return _extent(lines, index)
    return len(lines)


def trailing_comment(line: str) -> str:
    """The comment ending a one-line `key: value` (with the spaces before it), or "".

    >>> trailing_comment("status: submitted  # by hand\\n"), trailing_comment('title: "A #1"\\n')
    ('  # by hand', '')
    """
    text = line.rstrip("\r\n")
    for match in re.finditer(r"[ \t]+#", text):
        try:
            if yaml.safe_load(text[: match.start()]) == yaml.safe_load(text):
                return text[match.start() :]
        except yaml.YAMLError:
            continue
    return ""


def _set_field(lines: list[str], key: str, new: list[str]) -> None:
    index = _find(lines, key)
    if index is None:
        at = _insert_at(lines, key)
        lines[at:at] = new
        return
    end = _extent(lines, index)
    if end == index + 1 and len(new) == 1:
        # One line for one line: keep the author's comment at its end.
        comment = trailing_comment(lines[index])
        if comment:
            body = new[0].rstrip("\r\n")
            new = [body + comment + new[0][len(body) :]]
    lines[index:end] = new


def _append_reviewer(lines: list[str], reviewers: list[dict[str, Any]], nl: str) -> None:
    """Add the last of `reviewers`: appended to a block list, else the field rewritten."""
    index = _find(lines, "reviewers")
    if index is not None and not lines[index].split(":", 1)[1].split("#", 1)[0].strip() and len(reviewers) > 1:
        end = _extent(lines, index)
        items = [line for line in lines[index + 1 : end] if line.lstrip().startswith("- ")]
        indent = items[0][: len(items[0]) - len(items[0].lstrip())] if items else "  "
        lines[end:end] = _reviewer_lines(reviewers[-1], indent, nl)
        return
    block = [f"reviewers:{nl}"]
    for reviewer in reviewers:
        block += _reviewer_lines(reviewer, "  ", nl)
    _set_field(lines, "reviewers", block)


def edit_front_matter(raw: str, scalars: dict[str, Any], reviewer: dict[str, Any] | None = None) -> str:
    """Set top-level `scalars` and add or update one `reviewer`, touching nothing else.

    >>> raw = "---\\ntitle: Q  # the question\\nstatus: submitted\\nupdated: 2025-01-02\\n---\\nBody\\n"
    >>> print(edit_front_matter(raw, {"status": "approved", "reviewed": dt.date(2025, 2, 1)},
    ...                         {"name": "Jo Roe", "role": "MD", "date": dt.date(2025, 2, 1)}), end="")
    ---
    title: Q  # the question
    status: approved
    reviewers:
      - name: Jo Roe
        role: MD
        date: 2025-02-01
    updated: 2025-01-02
    reviewed: 2025-02-01
    ---
    Body
    """
    bom = "\ufeff" if raw.startswith("\ufeff") else ""
    text = raw[len(bom) :]
    match = FRONT.match(text)
    nl = "\r\n" if (match and "\r\n" in match.group(0)) or (not match and "\r\n" in text) else "\n"
    if match:
        head, block, tail, rest = match.group(1), match.group(2) or "", match.group(3), text[match.end() :]
        if not tail.endswith("\n"):
            tail += nl
    else:
        head, block, tail, rest = f"---{nl}", "", f"---{nl}", text
    before = split_document(text.replace("\r\n", "\n"))
    if before.error is not None:
        raise EditError(f"line {before.error.line}: {before.error.message}; fix the front matter first")
    # Split on "\n" only (str.splitlines also splits on U+2028 and friends).
    lines = re.findall(r"[^\n]*\n|[^\n]+\Z", block)
    expected = dict(before.meta)
    for key, value in scalars.items():
        _set_field(lines, key, [f"{key}: {yaml_scalar(value)}{nl}"])
        expected[key] = value
    if reviewer is not None:
        current = before.meta.get("reviewers") or []
        if not isinstance(current, list):
            raise EditError("`reviewers` is not a list; fix the front matter first")
        names = [r.get("name") if isinstance(r, dict) else None for r in current]
        if reviewer["name"] in names:
            # Same reviewer again: update their entry (the field is rewritten).
            updated = [dict(r) for r in current]
            updated[names.index(reviewer["name"])].update({k: v for k, v in reviewer.items() if v not in (None, "")})
            block_lines = [f"reviewers:{nl}"]
            for item in updated:
                block_lines += _reviewer_lines(item, "  ", nl)
            _set_field(lines, "reviewers", block_lines)
        else:
            updated = [*current, {k: v for k, v in reviewer.items() if v not in (None, "")}]
            _append_reviewer(lines, updated, nl)
        expected["reviewers"] = updated
    result = bom + head + "".join(lines) + tail + rest
    after = split_document(result[len(bom) :].replace("\r\n", "\n"))
    if after.error is not None or after.meta != expected or after.body != before.body:
        raise EditError("the front matter could not be edited without changing other fields; edit it by hand")
    return result
