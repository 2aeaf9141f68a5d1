"""GitHub's Markdown renderer for tests: cmark-gfm (through cmarkgfm) with every GFM extension GitHub
turns on, and *unsafe* rendering, so raw HTML that got through our escaping shows up in the output
instead of being replaced by cmark's "raw HTML omitted" comment."""

from __future__ import annotations

import cmarkgfm
from cmarkgfm.cmark import Options

EXTENSIONS = ("table", "autolink", "strikethrough", "tagfilter", "tasklist")


def render(markdown: str) -> str:
    return cmarkgfm.markdown_to_html_with_extensions(
        markdown, options=Options.CMARK_OPT_UNSAFE, extensions=list(EXTENSIONS)
    )
