"""arXiv's export API (``/api/query?search_query=…&start=…&max_results=…``, or ``id_list=…``), searching
real records.

The answer has the layout of the real captures in ``tests/data/captures/api/`` (the 2026 backend): an
Atom feed with ``opensearch:totalResults``/``startIndex``/``itemsPerPage``, one ``entry`` per paper
(``id`` http://arxiv.org/abs/<id>v<N>, ``title``, ``updated``, ``link``s, ``summary``, ``category`` terms,
``published``, ``arxiv:comment``, ``arxiv:primary_category``, ``arxiv:journal_ref``, ``author/name``,
``arxiv:doi``), and like the real backend it double-encodes non-ASCII author names ("JosÃ©"). A query it
cannot parse is HTTP 400 with a one-entry feed titled "Error".

Its search is deliberately *looser* than arxiv-digest's word rule, as arXiv's own is: a term matches where
its words occur as a substring of the field's lower-cased words ("llm" is found in "MLLMs"), ``*`` is a
wildcard, ``all:`` covers title, abstract, authors and comments. So it answers a superset, and the tests
can check that only the true matches survive arxiv-digest's matcher. ``cat:`` is exact (with ``*``), and
``submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]`` compares the first version's submission time (GMT).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from lxml import etree

from .feeds import load_records

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
ARXIV = "http://arxiv.org/schemas/atom"


@dataclass(frozen=True)
class ApiEntry:
    record: dict[str, object]
    published: dt.datetime  # UTC, first version
    updated: dt.datetime
    version: int = 1

    @property
    def id(self) -> str:
        return str(self.record["id"])

    def field_text(self, name: str) -> str:
        r = self.record
        authors = r["authors"]
        assert isinstance(authors, list)
        parts = {
            "ti": [r["title"]],
            "abs": [r["summary"]],
            "au": authors,
            "co": [r.get("comment") or ""],
        }
        if name == "all":
            return " ".join(_words(str(t)) for key in ("ti", "abs", "au", "co") for t in parts[key])
        return " ".join(_words(str(t)) for t in parts[name])


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).lower())) + " "


def entries_from(days: Sequence[str]) -> list[ApiEntry]:
    """The real records of ``days``, each submitted (v1) at 14:00 GMT the day before its announcement;
    every fifth one revised (v2) the day after."""
    out = []
    for day in days:
        announced = dt.date.fromisoformat(day)
        submitted = dt.datetime(
            announced.year, announced.month, announced.day, 14, tzinfo=dt.UTC
        ) - dt.timedelta(days=1)
        for i, r in enumerate(load_records(day)):
            revised = i % 5 == 4
            out.append(
                ApiEntry(
                    r,
                    published=submitted,
                    updated=submitted + dt.timedelta(days=2) if revised else submitted,
                    version=2 if revised else 1,
                )
            )
    return out


def entries_as_announced(
    day: str,
    records: Sequence[dict[str, object]],
    replaced: Sequence[dict[str, object]] = (),
    *,
    newer: Collection[str] = (),
) -> list[ApiEntry]:
    """What the API says of the papers a feed announces: ``records`` (new, cross-lists) at version 1,
    ``replaced`` (replacements) at version 2, as the fake feed numbers them; an id in ``newer`` one version
    further (revised after the announcement: the API's latest is not the feed's)."""
    announced = dt.date.fromisoformat(day)
    submitted = dt.datetime(announced.year, announced.month, announced.day, 14, tzinfo=dt.UTC)
    submitted -= dt.timedelta(days=1)
    out = []
    for version, group in ((1, records), (2, replaced)):
        for r in group:
            bump = 1 if r["id"] in newer else 0
            out.append(ApiEntry(r, published=submitted, updated=submitted, version=version + bump))
    return out


# -- the query language ------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(?P<paren>[()])|(?P<op>ANDNOT|AND|OR)(?=[\s()]|$)"
    r"|(?P<date>submittedDate:\[(?P<d1>\d{12}) TO (?P<d2>\d{12})\])"
    r'|(?P<field>ti|abs|au|co|cat|all):(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s()"]+)))'
)


class QueryError(ValueError):
    pass


Predicate = Callable[[ApiEntry], bool]


def _lex(query: str) -> list[tuple[str, object]]:
    tokens: list[tuple[str, object]] = []
    pos = 0
    query = query.strip()
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if not m or m.end() == pos:
            raise QueryError(f"cannot parse {query[pos : pos + 30]!r}")
        pos = m.end()
        if m.group("paren"):
            tokens.append((m.group("paren"), None))
        elif m.group("op"):
            tokens.append(("op", m.group("op")))
        elif m.group("date"):
            start = dt.datetime.strptime(m.group("d1"), "%Y%m%d%H%M").replace(tzinfo=dt.UTC)
            end = dt.datetime.strptime(m.group("d2"), "%Y%m%d%H%M").replace(tzinfo=dt.UTC)
            tokens.append(
                ("term", lambda e, a=start, b=end: a <= e.published <= b + dt.timedelta(seconds=59))
            )
        else:
            tokens.append(
                (
                    "term",
                    _term(
                        m.group("field"),
                        m.group("phrase") if m.group("phrase") is not None else m.group("word"),
                    ),
                )
            )
    return tokens


def _term(field: str, value: str) -> Predicate:
    value = value.lower()
    if field == "cat":
        if value.endswith("*"):
            stem = value[:-1]
            return lambda e: any(str(c).lower().startswith(stem) for c in e.record["categories"])  # type: ignore[union-attr]
        return lambda e: any(str(c).lower() == value for c in e.record["categories"])  # type: ignore[union-attr]
    needle = _words(value.replace("*", "")).strip()
    return lambda e: needle in e.field_text(field)


def parse(query: str) -> Predicate:
    tokens = _lex(query)
    pos = 0

    def peek() -> tuple[str, object] | None:
        return tokens[pos] if pos < len(tokens) else None

    def primary() -> Predicate:
        nonlocal pos
        token = peek()
        if token is None:
            raise QueryError("unexpected end of query")
        pos += 1
        if token[0] == "(":
            inner = expression()
            if peek() is None or peek()[0] != ")":  # type: ignore[index]
                raise QueryError("missing ')'")
            pos += 1
            return inner
        if token[0] == "term":
            return token[1]  # type: ignore[return-value]
        raise QueryError(f"unexpected {token}")

    def conjunction() -> Predicate:
        nonlocal pos
        left = primary()
        while (token := peek()) is not None and token[0] == "op" and token[1] in ("AND", "ANDNOT"):
            pos += 1
            right = primary()
            if token[1] == "AND":
                left = (lambda a, b: lambda e: a(e) and b(e))(left, right)
            else:
                left = (lambda a, b: lambda e: a(e) and not b(e))(left, right)
        return left

    def expression() -> Predicate:
        nonlocal pos
        left = conjunction()
        while (token := peek()) is not None and token[0] == "op" and token[1] == "OR":
            pos += 1
            right = conjunction()
            left = (lambda a, b: lambda e: a(e) or b(e))(left, right)
        return left

    predicate = expression()
    if pos != len(tokens):
        raise QueryError(f"unexpected {tokens[pos]}")
    return predicate


# -- the route ---------------------------------------------------------------------------------------
class FakeApi:
    """Install with ``fake.api_handler = FakeApi(entries).handle``; ``queries`` records what was asked."""

    def __init__(self, entries: Sequence[ApiEntry], *, mojibake: bool = True) -> None:
        self.entries = list(entries)
        self.mojibake = mojibake
        self.queries: list[str] = []
        self.id_lists: list[list[str]] = []  # each id_list request, as lists of ids

    def matching(self, search_query: str) -> list[ApiEntry]:
        predicate = parse(search_query)
        found = [e for e in self.entries if predicate(e)]
        return sorted(found, key=lambda e: (e.published, e.id), reverse=True)

    def handle(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        args = {k: v[0] for k, v in query.items()}
        search_query = args.get("search_query", "")
        self.queries.append(search_query)
        if args.get("id_list"):  # given papers, in the order asked (the real API's behaviour)
            ids = args["id_list"].split(",")
            self.id_lists.append(ids)
            by_id = {e.id: e for e in self.entries}
            found = [by_id[i] for i in ids if i in by_id]
            return 200, self.feed(args, found, len(found), 0, len(ids))
        try:
            start = int(args.get("start", "0"))
            size = int(args.get("max_results", "10"))
            found = self.matching(search_query)
        except (QueryError, ValueError) as e:
            return 400, error_feed(str(e))
        return 200, self.feed(args, found[start : start + size], len(found), start, size)

    def feed(self, args: dict[str, str], entries: list[ApiEntry], total: int, start: int, size: int) -> bytes:
        root = etree.Element(f"{{{ATOM}}}feed", nsmap={"opensearch": OPENSEARCH, "arxiv": ARXIV, None: ATOM})
        etree.SubElement(root, f"{{{ATOM}}}id").text = "https://arxiv.org/api/fake"
        query = args.get("search_query", "")
        title = f"arXiv Query: search_query={query}&id_list=&start={start}&max_results={size}"
        etree.SubElement(root, f"{{{ATOM}}}title").text = title
        etree.SubElement(root, f"{{{ATOM}}}updated").text = "2026-07-02T12:00:00Z"
        etree.SubElement(root, f"{{{OPENSEARCH}}}itemsPerPage").text = str(size)
        etree.SubElement(root, f"{{{OPENSEARCH}}}totalResults").text = str(total)
        etree.SubElement(root, f"{{{OPENSEARCH}}}startIndex").text = str(start)
        for e in entries:
            root.append(self.entry(e))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def entry(self, e: ApiEntry) -> etree._Element:
        r = e.record
        el = etree.Element(f"{{{ATOM}}}entry")

        def sub(tag: str, text: str | None = None, ns: str = ATOM, **attrs: str) -> etree._Element:
            child = etree.SubElement(el, f"{{{ns}}}{tag}", **attrs)
            if text is not None:
                child.text = text
            return child

        versioned = f"{e.id}v{e.version}"
        sub("id", f"http://arxiv.org/abs/{versioned}")
        sub("title", str(r["title"]))
        sub("updated", e.updated.strftime("%Y-%m-%dT%H:%M:%SZ"))
        sub("link", href=f"https://arxiv.org/abs/{versioned}", rel="alternate", type="text/html")
        sub(
            "link",
            href=f"https://arxiv.org/pdf/{versioned}",
            rel="related",
            type="application/pdf",
            title="pdf",
        )
        sub("summary", str(r["summary"]))
        categories = r["categories"]
        assert isinstance(categories, list)
        for c in categories:
            sub("category", term=str(c), scheme="http://arxiv.org/schemas/atom")
        sub("published", e.published.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if r.get("comment"):
            sub("comment", str(r["comment"]), ARXIV)
        sub("primary_category", ns=ARXIV, term=str(categories[0]))
        if r.get("journal_ref"):  # after primary_category, as in the capture q_testing_s0_m100.xml
            sub("journal_ref", str(r["journal_ref"]), ARXIV)
        authors = r["authors"]
        assert isinstance(authors, list)
        for name in authors:
            author = sub("author")
            text = str(name)
            if self.mojibake:  # as the 2026 backend does: UTF-8 bytes read as Latin-1
                text = text.encode("utf-8").decode("latin-1")
            etree.SubElement(author, f"{{{ATOM}}}name").text = text
        return el


def error_feed(message: str) -> bytes:
    """HTTP 400's body: a feed with one entry titled "Error" (the capture id_abc_s0_m100.xml's layout)."""
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={"opensearch": OPENSEARCH, "arxiv": ARXIV, None: ATOM})
    etree.SubElement(root, f"{{{ATOM}}}id").text = "https://arxiv.org/"
    etree.SubElement(root, f"{{{ATOM}}}title").text = "arXiv Search Results"
    etree.SubElement(root, f"{{{ATOM}}}updated").text = "2026-07-02T12:00:00Z"
    etree.SubElement(root, f"{{{OPENSEARCH}}}itemsPerPage").text = "1"
    etree.SubElement(root, f"{{{OPENSEARCH}}}totalResults").text = "1"
    etree.SubElement(root, f"{{{OPENSEARCH}}}startIndex").text = "0"
    entry = etree.SubElement(root, f"{{{ATOM}}}entry")
    etree.SubElement(entry, f"{{{ATOM}}}id").text = "https://arxiv.org/api/errors#malformed_query"
    etree.SubElement(entry, f"{{{ATOM}}}title").text = "Error"
    etree.SubElement(entry, f"{{{ATOM}}}summary").text = message
    author = etree.SubElement(entry, f"{{{ATOM}}}author")
    etree.SubElement(author, f"{{{ATOM}}}name").text = "arXiv api core"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
