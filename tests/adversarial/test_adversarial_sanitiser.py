"""The sanitiser keeps everything our theme and extensions legitimately produce."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown

from evidence_kb.engine.bib.library import parse_bibliography
from evidence_kb.engine.page.sanitize import clean_html
from evidence_kb.engine.render.extension import EvidenceExtension

BIB = parse_bibliography(
    "@article{alpha2020, author={Smith, Jane}, title={Alpha {NSAIDs} -- a trial}, journal={J <Tests> & Trials},"
    " year=2020, doi={10.1000/x.1}, pmid={12345678}, url={https://example.org/a?b=1&c=2}}\n",
    "references.bib",
)
PAGE = """# Everything legitimate

A claim with a citation [@alpha2020] and **bold**, *em*, `code`, ==mark==, ^^ins^^, ~~del~~, H~2~O, ++ctrl+alt+del++.

!!! note "An admonition"
    Inside it [@alpha2020].

??? tip "Details"
    Hidden text.

| Drug | Dose |
|:-----|-----:|
| A    | 1 mg |

Term
:   Definition with a footnote[^1].

[^1]: The footnote.

*[NSAID]: Non-steroidal anti-inflammatory drug

An NSAID abbreviation. ![An image](img/x.png "Title"){ width="300" loading=lazy }
![Remote](https://example.org/i.png)

<div class="ekb-patient" markdown>
Patient text [@alpha2020].
</div>

- [x] done task
- [ ] open task

=== "Tab one"
    One.

=== "Tab two"
    Two.

```python title="x.py" linenums="1" hl_lines="1"
def f(x):  # comment
    return x
```

Inline `#!python print(1)` and :material-check: and :smile:.

<mark>raw mark</mark> <kbd>Ctrl</kbd> <sub>sub</sub> <span class="x" title="t">span</span>
<details class="warning" open><summary>Raw details</summary>Body</details>
"""


def _extensions():
    import material.extensions.emoji as emoji

    return (
        ["toc", "admonition", "attr_list", "def_list", "md_in_html", "tables", "footnotes", "abbr",
         "pymdownx.details", "pymdownx.superfences", "pymdownx.highlight", "pymdownx.inlinehilite",
         "pymdownx.tabbed", "pymdownx.tasklist", "pymdownx.mark", "pymdownx.caret", "pymdownx.tilde",
         "pymdownx.keys", "pymdownx.emoji", EvidenceExtension(bibliography=BIB, standalone=False)],
        {
            "toc": {"permalink": True},
            "pymdownx.highlight": {"anchor_linenums": True},
            "pymdownx.tabbed": {"alternate_style": True},
            "pymdownx.emoji": {"emoji_index": emoji.twemoji, "emoji_generator": emoji.to_svg},
        },
    )


VOID = ("img", "input", "hr", "br", "col", "wbr")


class _Normaliser(HTMLParser):
    """Tags, attributes and text, ignoring serialisation details (quoting, entities, tbody)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        if tag != "tbody":
            norm = []
            for k, v in attrs:
                v = re.sub(r"\s+", "", v or "").rstrip(";")
                norm.append((k.lower(), v))
            self.out.append(("<", tag, tuple(sorted(norm))))

    def handle_endtag(self, tag):
        if tag not in ("tbody", *VOID):
            self.out.append((">", tag))

    def handle_data(self, data):
        if data.split():
            self.out.append(("t", " ".join(data.split())))


def _normalise(html: str) -> list[tuple]:
    parser = _Normaliser()
    parser.feed(html)
    return parser.out


def test_everything_legitimate_survives():
    extensions, configs = _extensions()
    html = markdown.Markdown(extensions=extensions, extension_configs=configs).convert(PAGE)
    # The page really uses what we mean to keep.
    for needle in ('class="ekb-cite"', 'class="ekb-references"', 'class="admonition note"', "<details",
                   'class="headerlink"', 'class="highlight"', "<svg", 'type="checkbox"', "tabbed-set",
                   'class="footnote"', "<abbr", 'style="text-align: left;"', "<mark>", 'loading="lazy"'):
        assert needle in html, needle
    assert _normalise(clean_html(html)) == _normalise(html)
