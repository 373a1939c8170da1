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
- A second tree processor finds the page's claims (see engine/page/claims.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as etree

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
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
    REFERENCES_CLASS,
    Claim,
    Evidence,
    find_claims,
)
from evidence_kb.engine.page.lines import parse_marker, strip_markers

GROUP_ATTR = "data-ekb-group"
# Material's search leaves out elements carrying this attribute: reference
# lists are not what a reader searches for, and each title would match
# every article citing it.
SEARCH_EXCLUDE = "data-search-exclude"


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

    @property
    def cited_keys(self) -> list[str]:
        return self.numbering.order

    @property
    def needs_citations(self) -> bool:
        """Some claim of the page cites nothing."""
        return any(claim.needs_citation for claim in self.claims)

    @property
    def evidence(self) -> list[Evidence]:
        """What each citing claim cites and where: what the evidence rules judge."""
        return [claim.evidence for claim in self.claims if claim.cited and claim.exempt is None]


class _Reset(Preprocessor):
    def __init__(self, md: Markdown, ext: EvidenceExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, lines: list[str]) -> list[str]:
        self.ext.result = PageResult()
        self.ext.substituted = False
        # The page exactly as the host gave it (Markdown.convert splits it, nothing more).
        self.ext.pending = self.ext.rendered("\n".join(lines)) if self.ext.rendered is not None else None
        if self.ext.standalone:
            from evidence_kb.engine.render.standalone import StandalonePage

            StandalonePage.begin(self.md, self.ext)
        return lines


class _Substitute(Preprocessor):
    """A page the host has rendered already (found by `_Reset`) becomes one stashed block.

    After `normalize_whitespace` (30), which would strip the placeholder's
    control characters, and before any preprocessor that parses (`meta` 27,
    fenced code 25, `html_block` 20): nothing of the page is parsed again.
    """

    def __init__(self, md: Markdown, ext: EvidenceExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, lines: list[str]) -> list[str]:
        html, self.ext.pending = self.ext.pending, None
        if html is None:
            return lines
        self.ext.substituted = True
        return [self.md.htmlStash.store(html)]


class CitationPattern(InlineProcessor):
    """`[@key]` / `[@a; @b]` → a placeholder `<sup>` resolved after inlines."""

    def __init__(self, ext: EvidenceExtension) -> None:
        super().__init__(GROUP_PATTERN)
        self.ext = ext

    def handleMatch(  # type: ignore[override]  # noqa: N802 (Python-Markdown's name)
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element | None, int | None, int | None]:
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

    def __init__(self, md: Markdown, ext: EvidenceExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, root: etree.Element) -> None:
        if self.ext.substituted:
            return
        result = self.ext.result
        bib = self.ext.bibliography
        backlinks: dict[str, list[str]] = {}
        groups = [el for el in root.iter("sup") if el.get(GROUP_ATTR) is not None]
        self.ext.group_keys = {}
        for index, sup in enumerate(groups, start=1):
            use = result.groups[int(sup.attrib.pop(GROUP_ATTR))]
            group_id = f"cite-{index}"
            numbers: list[int] = []
            known: list[str] = []
            for key in use.keys:
                if bib is not None and key in bib:
                    numbers.append(result.numbering.cite(key))
                    backlinks.setdefault(key, []).append(group_id)
                    known.append(key)
                else:
                    result.unknown.append((key, use.line))
            # For the claims' evidence (ClaimTreeprocessor): a rendered group
            # shows ranges, not every key.
            self.ext.group_keys[sup] = known
            sup.set("id", group_id)
            self._render_group(sup, numbers, missing=len(numbers) < len(use.keys))
        result.backlinks = backlinks
        if result.numbering.order and bib is not None and self.ext.reference_list:
            writer = self.ext.writer(bib)
            heading = etree.SubElement(root, "h2", {"id": "references"})
            heading.text = "References"
            # The list and each item are elements, so every `#ref-N` is an
            # anchor of the page for whoever walks its tree (MkDocs checks
            # links against them); what is inside an item is written as HTML
            # once per entry and stashed (BENCHMARKS.md).
            listing = etree.SubElement(root, "ol", {"class": REFERENCES_CLASS, SEARCH_EXCLUDE: ""})
            listing.text = "\n"
            for number, key in enumerate(result.numbering.order, start=1):
                item = etree.SubElement(listing, "li", writer.item_attributes(number, key))
                entry = self.ext.entry_marker(number) if self.ext.entry_marker is not None else None
                item.text = self.md.htmlStash.store(writer.item_body(number, key, backlinks[key], entry))
                item.tail = "\n"

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
    """The parts of a page's reference list: numbered entries with links back to each citation.

    An entry's own part (kind, text, links) is written as HTML text once per
    writer, passed through `clean`, and reused on every page that cites it:
    as ElementTree elements (about ten per entry) it cost more than the rest
    of our page work together (BENCHMARKS.md). Escaping follows
    Python-Markdown's serializer, so the page reads as if it had written it.
    """

    def __init__(self, bibliography: Bibliography, clean: Callable[[str], str] | None = None) -> None:
        self.bibliography = bibliography
        self.clean = clean
        self._entries: dict[str, str] = {}

    def entry(self, key: str) -> str:
        html = self._entries.get(key)
        if html is None:
            ref = self.bibliography.reference(key)
            parts = [
                _tag("span", [("class", "ekb-ref__kind")], escape_text(ref.kind)), " ",
                # Already escaped by pybtex's HTML backend.
                _tag("span", [("class", "ekb-ref__text")], ref.html), " ",
            ]
            if ref.links:
                links = " · ".join(
                    _tag("a", [("href", url), ("rel", "noopener")], escape_text(label)) for label, url in ref.links
                )
                parts += [_tag("span", [("class", "ekb-ref__links")], links), " "]
            if not self.bibliography.summary(key).identified:
                # Nothing a reader can follow to the source (the check reports it too).
                parts += [_tag("span", [("class", "ekb-ref__unverified")], "no identifier"), " "]
            html = "".join(parts)
            if self.clean is not None:
                html = self.clean(html)
            self._entries[key] = html
        return html

    def item_attributes(self, number: int, key: str) -> dict[str, str]:
        attrs = {"id": f"ref-{number}", "class": "ekb-ref", "data-ekb-key": key}
        year = self.bibliography.summary(key).year
        if year:
            # Read by the citation preview card (assets/ekb-reader.js).
            attrs["data-ekb-year"] = year
        return attrs

    def item_body(self, number: int, key: str, targets: list[str], entry: str | None = None) -> str:
        """The item's HTML: the entry (or `entry`, a host's stand-in for it) and the back links."""
        back = []
        for i, target in enumerate(targets):
            # The accessible name contains the visible letter (WCAG 2.5.3,
            # axe's label-content-name-mismatch).
            if len(targets) == 1:
                label, text = f"Back to the citation of reference {number}", "↩"
            else:
                label, text = f"Back to citation {_letter(i)} of reference {number}", f"↩{_letter(i)}"
            back.append(_tag("a", [("href", f"#{target}"), ("aria-label", label)], escape_text(text)) + " ")
        return (self.entry(key) if entry is None else entry) + _tag("span", [("class", "ekb-ref__back")], "".join(back))


# `&` that does not start an entity, as Python-Markdown's serializer finds it.
_LONE_AMPERSAND = re.compile(r"&(?!(?:\#[0-9]+|\#x[0-9a-f]+|[0-9a-z]+);)", re.I)


def escape_text(text: str) -> str:
    """Text for HTML, escaped as Python-Markdown's serializer escapes it.

    >>> escape_text("A & B <i> &amp; &#38;")
    'A &amp; B &lt;i&gt; &amp; &#38;'
    """
    return _LONE_AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    r"""An attribute value, escaped as Python-Markdown's serializer escapes it.

    >>> escape_attribute('say "hi"\nthere')
    'say &quot;hi&quot;&#10;there'
    """
    return escape_text(value).replace('"', "&quot;").replace("\n", "&#10;")


def _tag(name: str, attrs: list[tuple[str, str]], inner: str) -> str:
    """`_tag("a", [("href", url)], inner_html)` → `<a href="...">inner_html</a>`."""
    # Sorted, as Python-Markdown's serializer writes them.
    attributes = "".join(f' {k}="{escape_attribute(v)}"' for k, v in sorted(attrs))
    return f"<{name}{attributes}>{inner}</{name}>"


def _letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index] if index < 26 else str(index + 1)


class ClaimTreeprocessor(Treeprocessor):
    """Finds the page's claims once citations are resolved (articles only)."""

    def __init__(self, md: Markdown, ext: EvidenceExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, root: etree.Element) -> None:
        if not self.ext.check_claims or self.ext.substituted:
            return
        stash = self.md.htmlStash.rawHtmlBlocks

        def raw(index: int) -> str:
            block = stash[index] if index < len(stash) else ""
            return block if isinstance(block, str) else etree.tostring(block, encoding="unicode")

        group_keys = self.ext.group_keys
        claims = find_claims(root, stash=raw, clean=strip_markers,
                             keys_of=lambda sup: group_keys.get(sup, []))
        self.ext.group_keys = {}
        self.ext.result.claims = claims
        self.ext.result.claim_lines = {
            i: parse_marker(c.raw) for i, c in enumerate(claims)
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

    def __init__(self, *, check_claims: bool = False, reference_list: bool = True,
                 clean: Callable[[str], str] | None = None, **kwargs: Any) -> None:
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
        # False: no list; the check needs numbers, unknown keys and claims,
        # not the formatted list, and leaving it out spares formatting every
        # cited entry.
        self.reference_list = reference_list
        # Applied once to each entry's HTML (the host's sanitiser).
        self.clean = clean
        # Set by a host that writes each entry into the finished page itself
        # (the MkDocs plugin): number -> what stands for the entry meanwhile.
        self.entry_marker: Callable[[int], str] | None = None
        # Set by a host that keeps rendered pages (the MkDocs plugin): the
        # page's Markdown -> its HTML when it has this exact page, else None.
        self.rendered: Callable[[str], str | None] | None = None
        self.pending: str | None = None
        self.substituted = False
        self._writer: ReferenceListWriter | None = None
        # Set per page by the host (or, standalone, from the page context): whether this page is an article.
        self.check_claims = check_claims
        self.result = PageResult()
        # The known keys of each citation element of the page being converted.
        self.group_keys: dict[etree.Element, list[str]] = {}
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
        md.preprocessors.register(_Substitute(md, self), "ekb-substitute", 29)
        # After `escape` (180) so `\[@x]` is no citation; before `reference`
        # (170) and `link` (160), which would take `[@x]` as a link label.
        md.inlinePatterns.register(CitationPattern(self), "ekb-citation", 175)
        # After `inline` (20); before `prettify` (10) and `toc` (5), so the
        # reference list heading is in the table of contents.
        md.treeprocessors.register(CitationTreeprocessor(md, self), "ekb-citations", 15)
        # After `attr_list` (8), so claims read the classes it sets (the
        # evidence rules' `classes`) and no `{: ...}` text; before `toc` (5).
        md.treeprocessors.register(ClaimTreeprocessor(md, self), "ekb-claims", 7)
        if self.standalone:
            from evidence_kb.engine.render.standalone import StandalonePage

            StandalonePage.register(md, self)

    def writer(self, bibliography: Bibliography) -> ReferenceListWriter:
        """One writer per library: each entry's HTML is written once for all pages."""
        if self._writer is None or self._writer.bibliography is not bibliography:
            self._writer = ReferenceListWriter(bibliography, clean=self.clean)
        return self._writer

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
