"""arXiv's export API (``/api/query``): a query tree -> ``search_query``, and one page of Atom results ->
:class:`ApiPage` of :class:`~arxiv_digest.models.Submission`.

The API (info.arxiv.org/help/api/user-manual.html) takes ``search_query`` in the syntax our query language
borrows: field prefixes ``ti abs au co cat all``, ``AND``/``OR``/``ANDNOT``, parentheses, phrases in double
quotes, and ``submittedDate:[YYYYMMDDTTTT TO YYYYMMDDTTTT]`` (GMT). It pages with ``start`` and
``max_results`` and says how many results there are in ``opensearch:totalResults``; ``id_list`` asks for
given papers (:func:`fetch_ids`: for the reader's library, and for the comments of the day's papers, issue
#13). An error is HTTP 400 with a one-entry feed titled "Error" whose summary says what was wrong.

arXiv's search is not our matcher: it stems words, tokenises differently, and its ``all:`` covers more
fields than title and abstract. So the translation only ever asks for a *superset* of what the query
means, and :mod:`arxiv_digest.jobs.remote` judges every candidate with the exact matcher:

- a word or phrase becomes the same word or phrase under the field's prefix, one alternative per hyphen
  variant (``multi-modal`` -> ``"multi modal" OR multimodal``); a prefix word keeps its ``*`` (arXiv's
  search takes wildcards), and a phrase holding one is loosened into an AND of its words;
- a field arXiv's search does not have (``has:``, ``venue:``: our own facts, issue #10) is left out and
  judged locally, as a negated word is;
- ``cat:`` is expanded through arXiv's taxonomy into the exact categories it covers (``cat:cs`` -> every
  ``cs.*`` category), so it is exact and may be negated;
- ``NOT``/``ANDNOT`` is sent only when what it negates is exact (categories); a negated word is left out
  (arXiv would also drop papers with a stemmed form our word rule keeps) and judged locally instead. A NOT
  with nothing positive beside it is sent as ``<dates> ANDNOT …``.

The new API backend (2026) double-encodes some UTF-8 text ("RamÃ\\xadrez"); :func:`repair_mojibake` undoes
it when the text decodes cleanly, and leaves it alone otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from ..errors import FeedFormatError, FetchError
from ..facts import with_submission_facts
from ..models import Submission, parse_arxiv_id
from ..query.ast import And, Node, Not, Or, Term
from ..query.fields import Kind, field_of
from ..query.words import Phrase, compile_keyword
from ..taxonomy import load_taxonomy
from ..text import clean_abstract, clean_author, clean_title, normalize_whitespace
from ._xml import arxiv_day, child, children, local, parse_iso, parse_xml, text_of
from .http import PoliteClient, Response

_ATOM = "{http://www.w3.org/2005/Atom}"


# -- the query ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ApiQuery:
    """``search_query`` for a tree and a submission-date range, and what of the tree it leaves out."""

    search_query: str
    dropped: tuple[str, ...] = ()  # parts judged only locally, e.g. "NOT survey"


@dataclass
class _Translation:
    dropped: list[str] = field(default_factory=list)

    def positive(self, node: Node) -> str | None:
        """An API expression selecting a superset of ``node``'s papers; None for "no restriction"."""
        if isinstance(node, Term):
            described = field_of(node.field)
            if described.kind is Kind.CATEGORY:
                return category_expression(node)
            if node.substring or described.api is None:  # e.g. has:code: arXiv cannot be asked
                self.dropped.append(str(node))
                return None
            return _text_expression(node)
        if isinstance(node, Not):
            return None  # a NOT alone cannot be sent; conjunction() negates against the rest when it can
        if isinstance(node, Or):
            parts = [self.positive(item) for item in node.items]
            if any(p is None for p in parts):
                self.dropped.append(str(node))
                return None
            return "(" + " OR ".join(p for p in parts if p is not None) + ")"
        positives, negatives = self.conjunction(node)
        if not positives:
            return None
        return _andnot(positives, negatives)

    def conjunction(self, node: Node) -> tuple[list[str], list[str]]:
        """The AND of ``node`` as positive parts and exact negated parts (for ``ANDNOT``)."""
        items = node.items if isinstance(node, And) else (node,)
        positives: list[str] = []
        negatives: list[str] = []
        for item in items:
            if isinstance(item, Not):
                exact = self.exact(item.item)
                if exact is None:
                    self.dropped.append(str(item))
                else:
                    negatives.append(exact)
                continue
            part = self.positive(item)
            if part is not None:
                positives.append(part)
        return positives, negatives

    def exact(self, node: Node) -> str | None:
        """An API expression selecting exactly ``node``'s papers, or None (only categories qualify)."""
        if isinstance(node, Term):
            return category_expression(node) if field_of(node.field).kind is Kind.CATEGORY else None
        if isinstance(node, Not):
            return None
        parts = [self.exact(item) for item in node.items]
        if any(p is None for p in parts):
            return None
        joiner = " OR " if isinstance(node, Or) else " AND "
        return "(" + joiner.join(p for p in parts if p is not None) + ")"


def _andnot(positives: list[str], negatives: list[str], *, top: bool = False) -> str:
    """``positives`` ANDed, then ``ANDNOT`` the OR of ``negatives``; fully parenthesised unless ``top``
    (arXiv's precedence between AND and ANDNOT is not documented, so nothing relies on it)."""
    if top and not negatives:
        return " AND ".join(positives)
    head = positives[0] if len(positives) == 1 else "(" + " AND ".join(positives) + ")"
    if not negatives:
        return head
    tail = negatives[0] if len(negatives) == 1 else "(" + " OR ".join(negatives) + ")"
    return f"{head} ANDNOT {tail}" if top else f"({head} ANDNOT {tail})"


def category_expression(term: Term) -> str:
    """``cat:`` as the exact categories it covers (our rule: equal, or below it, or a ``*`` prefix)."""
    text = term.text.lower()
    prefix = text.endswith("*")
    base = text.rstrip("*")
    taxonomy = load_taxonomy()
    covered = [
        code
        for code in taxonomy.categories
        if (c := code.lower()) == base or c.startswith(base if prefix else base + ".")
    ]
    if not covered:
        return f"cat:{term.text}"  # unknown to the taxonomy: matches nothing here or there
    parts = [f"cat:{code}" for code in sorted(covered)]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _phrase(prefix: str, phrase: Phrase) -> str:
    if len(phrase) == 1:
        word = phrase[0]
        return f"{prefix}:{word.text}{'*' if word.prefix else ''}"
    if any(w.prefix for w in phrase):  # a wildcard cannot sit inside quotes: loosen to its words
        return "(" + " AND ".join(f"{prefix}:{w.text}{'*' if w.prefix else ''}" for w in phrase) + ")"
    return f'{prefix}:"{" ".join(w.text for w in phrase)}"'


def _text_expression(term: Term) -> str | None:
    variants = compile_keyword(term.text)
    if not variants:
        return None
    prefix = field_of(term.field).api
    assert prefix is not None  # positive() sends only fields arXiv's search has
    parts = list(dict.fromkeys(_phrase(prefix, p) for p in variants))
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def date_range(date_from: dt.date, date_to: dt.date) -> str:
    """Submissions from the first minute of ``date_from`` to the last of ``date_to`` (arXiv: GMT)."""
    return f"submittedDate:[{date_from:%Y%m%d}0000 TO {date_to:%Y%m%d}2359]"


def translate(tree: Node, date_from: dt.date, date_to: dt.date) -> ApiQuery:
    """The ``search_query`` asking arXiv for a superset of the papers ``tree`` selects in the range."""
    t = _Translation()
    positives, negatives = t.conjunction(tree)
    query = _andnot([*positives, date_range(date_from, date_to)], negatives, top=True)
    return ApiQuery(query, tuple(dict.fromkeys(t.dropped)))


def query_params(search_query: str, start: int, max_results: int) -> dict[str, str]:
    """Newest submissions first, so that a search capped by pages keeps the most recent candidates."""
    return {
        "search_query": search_query,
        "start": str(start),
        "max_results": str(max_results),
        "sortBy": "submittedDate",
        "sortOrder": "descending",
    }


# -- the answer ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ApiPage:
    url: str
    entries: tuple[Submission, ...]
    total: int  # opensearch:totalResults
    start: int  # opensearch:startIndex


#: arXiv's user manual: ``id_list`` takes a comma-separated list; we send at most this many a request.
MAX_IDS_PER_REQUEST = 100


def fetch_ids(client: PoliteClient, api_url: str, ids: Sequence[str]) -> ApiPage:
    """The papers of up to :data:`MAX_IDS_PER_REQUEST` arXiv ids (``id_list``), latest versions; an id
    arXiv does not know is simply absent from the page."""
    if not 0 < len(ids) <= MAX_IDS_PER_REQUEST:
        raise ValueError(f"fetch_ids takes 1 to {MAX_IDS_PER_REQUEST} ids, not {len(ids)}")
    params = {"id_list": ",".join(ids), "start": "0", "max_results": str(len(ids))}
    return client.get_parsed(api_url, parse_response, params, ok_statuses=frozenset({200, 400}))


def fetch_page(client: PoliteClient, api_url: str, query: str, start: int, max_results: int) -> ApiPage:
    return client.get_parsed(
        api_url, parse_response, query_params(query, start, max_results), ok_statuses=frozenset({200, 400})
    )


def parse_response(response: Response) -> ApiPage:
    page = parse_feed(response.content, response.url, status=response.status)
    if response.status != 200:
        raise FetchError(response.url, "arXiv's API answered with an error status", status=response.status)
    return page


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1 ("JosÃ©" -> "José") when, and only when, the text decodes cleanly."""
    if not any("\u0080" <= ch <= "\u00ff" for ch in text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _text(element: etree._Element | None) -> str | None:
    value = text_of(element)
    return repair_mojibake(value) if value is not None and value.strip() else None


def parse_feed(content: bytes, url: str = "<api>", *, status: int | None = None) -> ApiPage:
    root = parse_xml(content, url, status=status)
    if root.tag != _ATOM + "feed":
        raise FeedFormatError(url, f"expected an Atom feed, got <{local(root.tag)}>", status=status)
    entries = children(root, "entry")
    if len(entries) == 1 and (text_of(child(entries[0], "title")) or "").strip() == "Error":
        summary = normalize_whitespace(text_of(child(entries[0], "summary")) or "no reason given")
        raise FetchError(url, f"arXiv's API refused the query: {summary}", status=status)
    total = _opensearch_int(root, "totalResults", url, status)
    start = _opensearch_int(root, "startIndex", url, status, default=0)
    seen: set[str] = set()
    out: list[Submission] = []
    for n, entry in enumerate(entries, 1):
        submission = _entry(entry, n, url, status)
        if submission.id not in seen:
            seen.add(submission.id)
            out.append(submission)
    return ApiPage(url=url, entries=tuple(out), total=total, start=start)


def _opensearch_int(
    root: etree._Element, name: str, url: str, status: int | None, default: int | None = None
) -> int:
    value = (text_of(child(root, name)) or "").strip()
    if value.isdigit():
        return int(value)
    if default is not None:
        return default
    raise FeedFormatError(url, f"the feed has no opensearch:{name}", status=status)


def _entry(entry: etree._Element, n: int, url: str, status: int | None) -> Submission:
    raw_id = (text_of(child(entry, "id")) or "").strip()

    def missing(what: str) -> FeedFormatError:
        return FeedFormatError(url, f"entry {n} ({raw_id or '?'}) has no {what}", status=status)

    try:
        arxiv_id, version = parse_arxiv_id(raw_id)
    except ValueError:
        raise missing("arXiv identifier in <id>") from None
    title = _text(child(entry, "title"))
    if title is None:
        raise missing("<title>")
    authors = tuple(
        clean_author(name) for a in children(entry, "author") if (name := _text(child(a, "name")))
    )
    if not authors:
        raise missing("<author>")
    primary = child(entry, "primary_category")
    terms = [c.get("term", "").strip() for c in children(entry, "category")]
    first = [primary.get("term", "").strip()] if primary is not None else []
    categories = tuple(dict.fromkeys(t for t in [*first, *terms] if t))
    if not categories:
        raise missing("<category>")
    try:
        published = parse_iso(text_of(child(entry, "published")) or "")
        updated = (
            parse_iso(text_of(child(entry, "updated")) or "")
            if child(entry, "updated") is not None
            else published
        )
    except ValueError:
        raise missing("valid <published>/<updated> date") from None

    def opt(name: str) -> str | None:
        value = _text(child(entry, name))
        return normalize_whitespace(value) if value else None

    submission = Submission(
        id=arxiv_id,
        version=version or 1,
        title=clean_title(title),
        authors=authors,
        abstract=clean_abstract(_text(child(entry, "summary")) or ""),
        categories=categories,
        submitted=arxiv_day(published),
        updated=arxiv_day(updated),
        comment=opt("comment"),
        journal_ref=opt("journal_ref"),
        doi=opt("doi"),
    )
    return with_submission_facts(submission)  # computed once, at ingestion (docs/design.md)
