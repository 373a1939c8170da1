"""The Python-Markdown extension: citations, the reference list, and claims.

Everything page-level happens here, inside Python-Markdown, so any site
generator that renders with Python-Markdown (MkDocs, ProperDocs, Zensical)
can host it: the MkDocs plugin only creates one :class:`EvidenceExtension`
with the bibliography it loaded once and reads each page's result.

- An inline pattern turns `[@a; @b]` into a placeholder element. Inline
  patterns never see code spans or code blocks, and `\\[@x]` is consumed by
  the escape pattern first, so neither is a citation.
- A tree processor then walks the page in document order (the inline pass
  does not), numbers keys by first appearance, renders each group as
  superscript links and appends the reference list.
- A second tree processor finds the page's claims (see core/claims.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as etree

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.serializers import (  # the serializer's own escaping
    _escape_attrib,
    _escape_attrib_html,
    _escape_cdata,
)
from markdown.treeprocessors import Treeprocessor

from evidence_kb.engine.bib.library import Bibliography
from evidence_kb.engine.options import Options, OptionsError
from evidence_kb.engine.page.citations import (
    GROUP_PATTERN,
    CitationSyntaxError,
    Numbering,
    compress_ranges,
    parse_group,
)
from evidence_kb.engine.page.claims import (
    CITATION_CLASS,
    REFERENCE_LIST_MARKER,
    REFERENCES_CLASS,
    Claim,
    find_claims,
    own_text,
)
from evidence_kb.engine.page.lines import parse_marker, strip_markers

GROUP_ATTR = "data-ekb-group"
# `reference_list=DEFERRED`: the page gets this marker where its list goes,
# and the host writes the list into the finished page (see plugin.py).
DEFERRED = "deferred"


@dataclass
class CitationUse:
    """One citation group as written: its keys and (in the check) its line."""

    keys: list[str]
    line: int | None = None


@dataclass
class PageResult:
    """What one conversion found: numbering, unknown keys, claims."""

    numbering: Numbering = field(default_factory=Numbering)
    groups: list[CitationUse] = field(default_factory=list)
    unknown: list[tuple[str, int | None]] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    claim_lines: dict[int, int | None] = field(default_factory=dict)
    # Cited key -> the ids of the citation groups citing it, in order.
    backlinks: dict[str, list[str]] = field(default_factory=dict)
    # Set when the result comes from the page cache, which keeps no claims.
    uncited: bool | None = None

    @property
    def cited_keys(self) -> list[str]:
        return self.numbering.order

    @property
    def needs_citations(self) -> bool:
        """Some claim of the page cites nothing."""
        if self.uncited is not None:
            return self.uncited
        return any(claim.needs_citation for claim in self.claims)


class _Reset(Preprocessor):
    def __init__(self, md: Markdown, ext: "EvidenceExtension") -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, lines: list[str]) -> list[str]:
        self.ext.result = PageResult()
        if self.ext.standalone:
            from evidence_kb.engine.standalone import StandalonePage

            StandalonePage.begin(self.md, self.ext)
        return lines


class CitationPattern(InlineProcessor):
    """`[@key]` / `[@a; @b]` → a placeholder `<sup>` resolved after inlines."""

    def __init__(self, ext: "EvidenceExtension") -> None:
        super().__init__(GROUP_PATTERN)
        self.ext = ext

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, int, int]:  # type: ignore[override]
        try:
            keys = parse_group(m.group(1))
        except CitationSyntaxError:
            return None, None, None
        # In the check's render each source line ends with a marker: the
        # first one inside or after the group gives the group's line.
        line = parse_marker(m.group(0)) or parse_marker(data[m.end() :])
        result = self.ext.result
        result.groups.append(CitationUse(keys, line))
        el = etree.Element("sup")
        el.set("class", CITATION_CLASS)
        el.set(GROUP_ATTR, str(len(result.groups) - 1))
        return el, m.start(0), m.end(0)


class CitationTreeprocessor(Treeprocessor):
    """Numbers citations in document order and appends the reference list."""

    def __init__(self, md: Markdown, ext: "EvidenceExtension") -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, root: etree.Element) -> None:
        result = self.ext.result
        bib = self.ext.bibliography
        backlinks: dict[str, list[str]] = {}
        groups = [el for el in root.iter("sup") if el.get(GROUP_ATTR) is not None]
        for index, sup in enumerate(groups, start=1):
            use = result.groups[int(sup.attrib.pop(GROUP_ATTR))]
            group_id = f"cite-{index}"
            numbers: list[int] = []
            for key in use.keys:
                if bib is not None and key in bib:
                    numbers.append(result.numbering.cite(key))
                    backlinks.setdefault(key, []).append(group_id)
                else:
                    result.unknown.append((key, use.line))
            sup.set("id", group_id)
            self._render_group(sup, numbers, missing=len(numbers) < len(use.keys))
        result.backlinks = backlinks
        if result.numbering.order and bib is not None and self.ext.reference_list:
            heading = etree.Element("h2")
            heading.set("id", "references")
            heading.text = "References"
            if self.ext.reference_list == DEFERRED:
                html = REFERENCE_LIST_MARKER
            else:
                html = ReferenceListWriter(bib, self.md.output_format).html(result.numbering.order, backlinks)
            # A paragraph holding only a stash placeholder is replaced by the
            # block itself when the page is serialised.
            block = etree.Element("p")
            block.text = self.md.htmlStash.store(html)
            root.extend([heading, block])

    def _render_group(self, sup: etree.Element, numbers: list[int], missing: bool) -> None:
        pieces: list[etree.Element | str] = []
        for first, last in compress_ranges(numbers):
            if pieces:
                pieces.append(", ")
            if last - first >= 2:
                pieces.extend([self._link(first), "–", self._link(last)])
            else:
                for n in range(first, last + 1):
                    if n != first:
                        pieces.append(", ")
                    pieces.append(self._link(n))
        if missing:
            if pieces:
                pieces.append(", ")
            unknown = etree.Element("span")
            unknown.set("class", "ekb-cite__missing")
            unknown.set("title", "Unknown reference")
            unknown.text = "?"
            pieces.append(unknown)
        previous: etree.Element | None = None
        for piece in pieces:
            if isinstance(piece, str):
                if previous is None:
                    sup.text = (sup.text or "") + piece
                else:
                    previous.tail = (previous.tail or "") + piece
            else:
                sup.append(piece)
                previous = piece

    @staticmethod
    def _link(number: int) -> etree.Element:
        a = etree.Element("a")
        a.set("href", f"#ref-{number}")
        a.set("class", "ekb-cite__link")
        a.set("data-ekb-ref", str(number))
        a.set("aria-label", f"Reference {number}")
        a.text = str(number)
        return a

class ReferenceListWriter:
    """A page's reference list as HTML: numbered entries with links back to each citation.

    Written as HTML text: as ElementTree elements (about ten per entry) it
    cost more than the rest of our page work together (BENCHMARKS.md). The
    escaping and attribute order are Python-Markdown's own, so the output is
    what its serializer would write. Each entry's own part (kind, text,
    links) is written once per writer, passed through `clean`, and reused on
    every page that cites it.
    """

    def __init__(self, bibliography: Bibliography, output_format: str = "xhtml", clean: Any = None) -> None:
        self.bibliography = bibliography
        # Python-Markdown's default, as MkDocs renders pages.
        self.tag = _Tag(_escape_attrib_html if output_format == "html" else _escape_attrib)
        self.clean = clean
        self._entries: dict[str, str] = {}

    def entry(self, key: str) -> str:
        html = self._entries.get(key)
        if html is None:
            tag = self.tag
            ref = self.bibliography.reference(key)
            parts = [
                tag("span", [("class", "ekb-ref__kind")], _escape_cdata(ref.kind)), " ",
                # Already escaped by pybtex's HTML backend.
                tag("span", [("class", "ekb-ref__text")], ref.html), " ",
            ]
            if ref.links:
                links = " · ".join(
                    tag("a", [("href", url), ("rel", "noopener")], _escape_cdata(label)) for label, url in ref.links
                )
                parts += [tag("span", [("class", "ekb-ref__links")], links), " "]
            html = "".join(parts)
            if self.clean is not None:
                html = self.clean(html)
            self._entries[key] = html
        return html

    def html(self, order: list[str], backlinks: dict[str, list[str]]) -> str:
        tag = self.tag
        items = []
        for number, key in enumerate(order, start=1):
            attrs = [("id", f"ref-{number}"), ("class", "ekb-ref"), ("data-ekb-key", key)]
            year = self.bibliography.reference(key).year
            if year:
                # Read by the citation preview card (assets/ekb-reader.js).
                attrs.append(("data-ekb-year", year))
            back = []
            targets = backlinks[key]
            for i, target in enumerate(targets):
                # The accessible name contains the visible letter (WCAG 2.5.3,
                # axe's label-content-name-mismatch).
                if len(targets) == 1:
                    label, text = f"Back to the citation of reference {number}", "↩"
                else:
                    label, text = f"Back to citation {_letter(i)} of reference {number}", f"↩{_letter(i)}"
                back.append(tag("a", [("href", f"#{target}"), ("aria-label", label)], _escape_cdata(text)) + " ")
            body = self.entry(key) + tag("span", [("class", "ekb-ref__back")], "".join(back))
            items.append(tag("li", attrs, body))
        return tag("ol", [("class", REFERENCES_CLASS)], "\n" + "\n".join(items) + "\n")


class _Tag:
    """`tag("a", [("href", url)], inner_html)` → `<a href="...">inner_html</a>`."""

    def __init__(self, escape_attribute: Any) -> None:
        self.escape = escape_attribute

    def __call__(self, name: str, attrs: list[tuple[str, str]], inner: str) -> str:
        # Sorted, as Python-Markdown's serializer writes them.
        attributes = "".join(f' {k}="{self.escape(v)}"' for k, v in sorted(attrs))
        return f"<{name}{attributes}>{inner}</{name}>"


def _letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index] if index < 26 else str(index + 1)


class ClaimTreeprocessor(Treeprocessor):
    """Finds the page's claims once citations are resolved (articles only)."""

    def __init__(self, md: Markdown, ext: "EvidenceExtension") -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, root: etree.Element) -> None:
        if not self.ext.check_claims:
            return
        stash = self.md.htmlStash.rawHtmlBlocks

        def raw(index: int) -> str:
            block = stash[index] if index < len(stash) else ""
            return block if isinstance(block, str) else etree.tostring(block, encoding="unicode")

        claims = find_claims(root, stash=raw, clean=strip_markers)
        self.ext.result.claims = claims
        self.ext.result.claim_lines = {
            i: parse_marker(own_text(c.element)) for i, c in enumerate(claims)
        }


class EvidenceExtension(Extension):
    """Python-Markdown's way: `Markdown(extensions=["evidence_kb"], extension_configs={"evidence_kb": {...}})`.

    The options are engine/options.py's, validated there, plus a few for
    hosts (`root`, `page_context`, `standalone`); `bibliography` is a path,
    relative to mkdocs.yml's folder, or a library a host adapter loaded.
    Without our MkDocs plugin (Zensical, plain Markdown) the extension is
    `standalone`: it loads the library itself, finds the page through the
    host's page context, shows the review status and the follow-up around
    an article, and fails the conversion on any problem (standalone.py).
    A host adapter passes `standalone=False` and reads `result` per page.
    """

    def __init__(self, *, check_claims: bool = False, reference_list: bool | str = True, **kwargs: Any) -> None:
        self.config = extension_config()
        super().__init__(**kwargs)
        values = self.getConfigs()
        library = values["bibliography"]
        raw = {name: values[name] for name in Options.model_fields}
        if isinstance(library, Bibliography):
            raw["bibliography"] = library.path
        self.options = Options.load(raw, where=EXTENSION_WHERE)
        self.bibliography: Bibliography | None = library if isinstance(library, Bibliography) else None
        self.standalone = bool(values["standalone"])
        self.root = str(values["root"])
        self.page_context = values["page_context"] or None
        # True: the list is part of the page. DEFERRED: a marker is, and the
        # host writes the list later (ReferenceListWriter). False: no list;
        # the check needs numbers, unknown keys and claims, not the formatted
        # list, and leaving it out spares formatting every cited entry.
        self.reference_list = reference_list
        # Set per page by the host (or, standalone, from the page context): whether this page is an article.
        self.check_claims = check_claims
        self.result = PageResult()
        # Standalone: the page being converted (standalone.StandalonePage) and
        # the library file loaded for it (None when a host passed the library).
        self.page: Any = None
        self.library_path: Path | None = None

    def setConfig(self, key: str, value: Any) -> None:  # noqa: N802 (Python-Markdown's name)
        if key not in self.config:
            raise OptionsError(
                f"{EXTENSION_WHERE}: unknown option {key!r}; the options are: {', '.join(sorted(self.config))}"
            )
        super().setConfig(key, value)

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        md.preprocessors.register(_Reset(md, self), "ekb-reset", 1000)
        # After `escape` (180) so `\[@x]` is no citation; before `reference`
        # (170) and `link` (160), which would take `[@x]` as a link label.
        md.inlinePatterns.register(CitationPattern(self), "ekb-citation", 175)
        # After `inline` (20); before `prettify` (10) and `toc` (5), so the
        # reference list heading is in the table of contents.
        md.treeprocessors.register(CitationTreeprocessor(md, self), "ekb-citations", 15)
        md.treeprocessors.register(ClaimTreeprocessor(md, self), "ekb-claims", 14)
        if self.standalone:
            from evidence_kb.engine.standalone import StandalonePage

            StandalonePage.register(md, self)

    def reset(self) -> None:
        self.result = PageResult()


EXTENSION_WHERE = "markdown_extensions: evidence_kb"


def extension_config() -> dict[str, list[Any]]:
    """`Extension.config`: every option of engine/options.py, plus the hosts' own."""
    config: dict[str, list[Any]] = {
        name: [field.default, field.description or ""] for name, field in Options.model_fields.items()
    }
    config["bibliography"][1] += ", or a library a host adapter loaded"
    config["root"] = ["", "the folder `bibliography` is relative to (default: mkdocs.yml's, else the working directory)"]
    config["page_context"] = ["", "a function Markdown -> PageContext (default: the adapters registered by hosts)"]
    config["standalone"] = [True, "no plugin drives the extension: it checks, shows review status and fails on problems"]
    return config


def makeExtension(**kwargs: Any) -> EvidenceExtension:  # noqa: N802 (Python-Markdown's name)
    return EvidenceExtension(**kwargs)
