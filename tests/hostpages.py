"""What a built article page shows of ours, as data, to compare hosts whose themes differ.

For every element with one of our classes: its class, its text (spaces
normalised), its identifying attributes and the links inside it, in page
order. Two hosts that render the same citations, reference list, kinds,
links, audience blocks, review status and related questions give equal lists.
"""

from __future__ import annotations

from html.parser import HTMLParser

TRACKED = (
    "ekb-cite", "ekb-ref", "ekb-ref__kind", "ekb-ref__text", "ekb-ref__links", "ekb-references",
    "ekb-patient", "ekb-clinician", "ekb-bottom-line",
    "ekb-review", "ekb-review__heading", "ekb-review__banner-text", "ekb-review__updated",
    "ekb-review__reviewers", "ekb-review__policy", "ekb-related", "ekb-recent",
    "ekb-dashboard", "ekb-dashboard__count", "ekb-dashboard__row", "ekb-flag",
)
ATTRS = ("id", "data-ekb-key", "data-ekb-year", "data-ekb-review", "data-ekb-ref", "data-path", "data-status")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict | None]] = []
        self.records: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "a":
            for _, frame in self.stack:
                if frame is not None:
                    frame["links"].append(values.get("href"))
        if tag in VOID:
            return
        ours = [c for c in classes if c in TRACKED]
        frame = None
        if ours:
            frame = {"tag": tag, "class": ours[0], "text": [], "links": [],
                     "attrs": {k: values[k] for k in ATTRS if k in values}}
            self.records.append(frame)
        self.stack.append((tag, frame))

    def handle_endtag(self, tag: str) -> None:
        if all(open_tag != tag for open_tag, _ in self.stack):
            return
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for _, frame in self.stack:
            if frame is not None:
                frame["text"].append(data)


def our_elements(html: str) -> list[dict]:
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    return [{**r, "text": " ".join("".join(r["text"]).split())} for r in parser.records]
