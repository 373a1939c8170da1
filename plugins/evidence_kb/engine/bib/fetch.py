"""Metadata for a DOI or a PubMed ID, from Crossref and PubMed's E-utilities.

Two GETs, so plain urllib. What does the GET is a parameter (`get`): the
command line uses :func:`http_get`; tests pass recorded responses
(tests/data/services/), so nothing is patched and nothing reaches the
network. Any failure is a :class:`FetchError` with one sentence for people.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from evidence_kb import __version__
from evidence_kb.engine.bib.records import (
    Record,
    RecordError,
    from_crossref,
    from_medline,
    read_medline,
)
from evidence_kb.engine.bib.style import normalise_doi

# url → response body; raises FetchError (or OSError, urllib's errors) when it cannot.
Get = Callable[[str], bytes]

CROSSREF = "https://api.crossref.org/works/"
EFETCH = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi"
# Crossref asks clients to name themselves.
USER_AGENT = f"evidencekb/{__version__}"
TIMEOUT = 20


class FetchError(Exception):
    """The metadata could not be had; the message says why and what to do."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        # The HTTP status the service answered with, when it answered.
        self.status = status


def http_get(url: str) -> bytes:
    """The body of a GET, or :class:`FetchError`."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as error:
        raise FetchError(f"{_host(url)} answered {error.code} {error.reason}", error.code) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FetchError(f"cannot reach {_host(url)} ({reason}); check the connection and try again") from None


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc


def crossref_url(doi: str) -> str:
    return CROSSREF + urllib.parse.quote(doi, safe="/:;()._-<>")


def efetch_url(pmid: str) -> str:
    query = urllib.parse.urlencode({"db": "pubmed", "id": pmid, "rettype": "medline", "retmode": "text"})
    return f"{EFETCH}?{query}"


def _call(get: Get, url: str) -> bytes:
    try:
        return get(url)
    except FetchError:
        raise
    except OSError as error:
        raise FetchError(f"cannot reach {_host(url)} ({error}); check the connection and try again") from None


def fetch_doi(doi: str, get: Get = http_get) -> Record:
    """Crossref's record of a DOI."""
    url = crossref_url(doi)
    try:
        body = _call(get, url)
    except FetchError as error:
        if error.status == 404:
            raise FetchError(f"Crossref knows no DOI {doi}: check it at https://doi.org/{doi}") from None
        raise
    try:
        return from_crossref(json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, RecordError) as error:
        raise FetchError(f"Crossref's answer for {doi} cannot be read ({error})") from None


def fetch_pmid(pmid: str, get: Get = http_get) -> Record:
    """PubMed's record of a PMID (MEDLINE format)."""
    body = _call(get, efetch_url(pmid))
    try:
        records = read_medline(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise FetchError(f"PubMed's answer for PMID {pmid} cannot be read ({error})") from None
    found = [r for r in records if r.get("PMID", [""])[0] == pmid]
    if not found:
        raise FetchError(f"PubMed has no record with PMID {pmid}: check it at https://pubmed.ncbi.nlm.nih.gov/{pmid}/")
    try:
        return from_medline(found[0])
    except RecordError as error:
        raise FetchError(f"PubMed's record {pmid} cannot be used ({error})") from None


PMID = re.compile(r"^(?:PMID:?\s*|pubmed:)?(\d{1,8})$", re.IGNORECASE)
DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def parse_identifier(text: str) -> tuple[str, str]:
    """("doi" | "pmid", value) of what an editor typed, or :class:`FetchError`.

    >>> parse_identifier("PMID:28192793"), parse_identifier("https://doi.org/10.1136/bmj.n1446")
    (('pmid', '28192793'), ('doi', '10.1136/bmj.n1446'))
    """
    text = text.strip()
    found = PMID.match(text)
    if found:
        return "pmid", found.group(1)
    doi = normalise_doi(text)
    if DOI.match(doi):
        return "doi", doi
    raise FetchError(f"{text!r} is neither a DOI (10.xxxx/...) nor a PubMed ID (PMID:12345678)")


def fetch(identifier: str, get: Get = http_get) -> Record:
    """The record of a DOI or PMID, as an editor types it."""
    kind, value = parse_identifier(identifier)
    return fetch_doi(value, get) if kind == "doi" else fetch_pmid(value, get)
