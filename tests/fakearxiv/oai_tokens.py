"""OAI-PMH lists that never end, for the harvester's guard: :class:`FakeOai`'s real pages, with their
resumption tokens rewritten.

- ``repeat``: the page behind a token carries that same token again (a server stuck on one page);
- ``cycle``: the third page carries the first page's token (A -> B -> A);
- ``endless``: every page carries a new token, and a new token's page repeats the first page's records,
  forever (a list that keeps going).

Install with ``fake.oai_handler = BadTokens(FakeOai(...), "cycle").handle``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from .oai import OAI_NS, FakeOai

Kind = Literal["repeat", "cycle", "endless"]
_TOKEN = f"{{{OAI_NS}}}resumptionToken"


@dataclass
class BadTokens:
    oai: FakeOai
    kind: Kind
    first_token: str | None = None
    first_page: bytes | None = None
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def handle(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        asked = query.get("resumptionToken", [None])[0]
        if self.kind == "endless" and asked is not None and asked.startswith("endless-"):
            assert self.first_page is not None
            status, body = 200, self.first_page
        else:
            status, body = self.oai.handle(query)
        root = etree.fromstring(body)
        records = root.find(f"{{{OAI_NS}}}ListRecords")
        if records is None:  # an OAI error: left as it is
            return status, body
        token = records.find(_TOKEN)
        if token is None:
            token = etree.SubElement(records, _TOKEN)
        if asked is None:
            self.first_token, self.first_page = token.text, body
        if self.kind == "repeat" and asked is not None:
            token.text = asked
        elif self.kind == "cycle" and asked is not None and asked != self.first_token:
            token.text = self.first_token
        elif self.kind == "endless":
            token.text = f"endless-{next(self._counter)}"
        return status, etree.tostring(root, xml_declaration=True, encoding="UTF-8")
