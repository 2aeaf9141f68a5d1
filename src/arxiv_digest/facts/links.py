"""Code links: the URLs in a paper's abstract and comment that point at its code, data, model or project page.

The rules (issue #10, and the labelling guide of ``tests/data/facts/README.md``):

- A URL on a code host counts: GitHub, GitLab (also a self-hosted ``gitlab.*``), Hugging Face (models,
  datasets, spaces), Codeberg, Bitbucket. It is cut to the repository (``/tree/main``, ``/blob/…``, ``.git``
  dropped); a GitHub user page stays a user page (authors write one where code "will be").
- A ``*.github.io`` page counts as the work's project page, path kept.
- Any other URL counts as a project page only when its sentence introduces it as the work's page or
  artefact ("Project page:", "Website:", "code and data are available at …") and the nearest such word is
  not a demo, a video or a paper; DOIs, Zenodo, OpenReview, arXiv and the like never do (not code hosts).
- URLs are found with or without a scheme (``github.com/org/repo``), inside ``\\href{URL}{text}``, glued to
  the text before them (``at:https://…``), and cleaned of what follows them (`` .``, ``;``, ``}``, ``)``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from arxiv_digest.facts.values import CodeLink, LinkKind

# Characters a URL in running text never contains: whitespace, LaTeX braces and backslashes, brackets and
# quotes that close a sentence's markup. Stopping at them handles \href{URL}{text} and <URL>.
_URL_CHAR = r"[^\s<>\"{}|\\^`\[\]]"
_SCHEME_URL = re.compile(rf"https?://{_URL_CHAR}+", re.IGNORECASE)  # also glued to a word: "at:https://"
# A code host written without a scheme, provided it does not continue a word, a path or an e-mail address.
_BARE_URL = re.compile(
    rf"(?<![\w@./-])(?:(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co|hf\.co|codeberg\.org|bitbucket\.org)/"
    rf"|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.github\.io(?![\w-])){_URL_CHAR}*",
    re.IGNORECASE,
)
_BARE_HINTS = (
    "github.com/", "gitlab.com/", "huggingface.co/", "hf.co/", "codeberg.org/", "bitbucket.org/", ".github.io"
)  # fmt: skip
_TRAILING = ".,;:!?'*’”"

# A user page followed by a space and a repository-like name ("github.com/lcy80366872/ knowledgeable-r1."):
# a space typed inside the URL. The name must end the sentence and look like a repository (a hyphen, an
# underscore or a digit), so an ordinary word after a user page is never glued on.
_OWNER_PAGE = re.compile(
    r"(?:https?://)?(?:www\.)?(?:github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)/[\w.-]+/",
    re.IGNORECASE,
)
_SPLIT_REPO = re.compile(r" (?P<name>[A-Za-z0-9][\w.-]*[A-Za-z0-9])(?=[.,;)]?(?:\s|$))")

_GITHUB_NOT_OWNERS = frozenset({
    "about", "collections", "contact", "customer-stories", "enterprise", "explore", "features", "issues",
    "login", "marketplace", "notifications", "pricing", "pulls", "search", "settings", "site", "sponsors",
    "topics", "trending",
})  # fmt: skip
_HF_NOT_CODE = frozenset({
    "blog", "docs", "join", "learn", "login", "posts", "pricing", "settings", "tasks", "papers", "chat",
    "welcome",
})  # fmt: skip
# Hosts that are never a project page: identifiers, archives of papers or data, review and video sites,
# social media. The labels treat the paper's own Zenodo data the same way (not a code host).
_NOT_PROJECT_HOSTS = (
    "doi.org", "zenodo.org", "figshare.com", "osf.io", "openreview.net", "arxiv.org", "aclanthology.org",
    "ieeexplore.ieee.org", "dl.acm.org", "link.springer.com", "sciencedirect.com", "semanticscholar.org",
    "scholar.google.com", "paperswithcode.com", "youtube.com", "youtu.be", "vimeo.com", "bilibili.com",
    "twitter.com", "x.com", "linkedin.com", "wikipedia.org", "drive.google.com", "docs.google.com",
    "dropbox.com", "creativecommons.org", "kaggle.com", "pypi.org", "colab.research.google.com",
    "dataverse.harvard.edu", "ieee-dataport.org", "data.mendeley.com", "physionet.org", "openneuro.org",
)  # fmt: skip
# Words that, nearest before a URL in its sentence, say what it is. The first group makes a project page
# of a URL on any host; the second says it is something else (a live demo, a video, a paper, the page of
# the workshop or challenge the paper was written for).
_CUE = re.compile(
    r"(?P<page>project[\s-]*(?:page|site|website|webpage|homepage)|home[\s-]*page|web[\s-]*page|web[\s-]*site"
    r"|\bsite\b|\bcodes?\b|codebase|source|implementation|repositor(?:y|ies)|\brepo\b|datasets?\b|\bdata\b"
    r"|benchmark|\bmodels?\b|weights|checkpoints?|resources)"
    r"|(?P<other>(?:workshop|challenge|competition|conference|contest|event)s?'?\s+(?:web[\s-]*)?(?:page|site|website)"
    r"|\bdemos?\b|playground|video|slides|\bpaper\b|blog|appendix|supplementary|proceedings"
    r"|openreview|leaderboard|survey|tutorial|interface)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)")


def find_links(text: str) -> list[CodeLink]:
    """The code links in one field's text, in the order they appear (not yet deduplicated)."""
    links: list[CodeLink] = []
    matches = list(_SCHEME_URL.finditer(text)) if "://" in text else []
    rest = _SCHEME_URL.sub(" ", text).lower() if matches else text.lower()
    if any(hint in rest for hint in _BARE_HINTS):  # most texts have none: skip the costly scan
        matches = sorted([*matches, *_BARE_URL.finditer(text)], key=lambda m: m.start())
    for match in matches:
        raw = _clean(match.group())
        end = match.start() + len(raw)
        if _OWNER_PAGE.fullmatch(raw):
            joined = _SPLIT_REPO.match(text, end)
            if joined and re.search(r"[-_\d]", joined["name"]):
                raw += joined["name"]
        link = _normalise(raw, text[: match.start()])
        if link is not None:
            links.append(link)
    return links


def _clean(raw: str) -> str:
    """Drop what ends a sentence or closes a bracket after a URL, not what belongs to it."""
    while raw:
        if raw[-1] in _TRAILING or (raw[-1] == ")" and raw.count("(") < raw.count(")")):
            raw = raw[:-1]
        else:
            break
    return raw


def _normalise(raw: str, before: str) -> CodeLink | None:
    parts = urlsplit(raw if "://" in raw else f"https://{raw}")
    try:
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:  # a port that is no number: not a URL we can trust
        return None
    if "." not in host:
        return None
    segments = [s for s in parts.path.split("/") if s]
    bare = host.removeprefix("www.")
    if bare == "github.com":
        return _repository(LinkKind.GITHUB, "github.com", _github_path(segments))
    if bare == "raw.githubusercontent.com":
        return _repository(LinkKind.GITHUB, "github.com", segments[:2])
    if bare == "gist.github.com":
        return _repository(LinkKind.GITHUB, "gist.github.com", segments[:2])
    if bare in ("huggingface.co", "hf.co"):
        return _repository(LinkKind.HUGGINGFACE, "huggingface.co", _huggingface_path(segments))
    if bare == "gitlab.com" or bare.startswith("gitlab."):
        return _repository(LinkKind.GITLAB, bare, _gitlab_path(segments))
    if bare == "codeberg.org":
        return _repository(LinkKind.CODEBERG, bare, segments[:2])
    if bare == "bitbucket.org":
        return _repository(LinkKind.BITBUCKET, bare, segments[:2])
    if not (host.endswith((".github.io", ".gitlab.io")) or _introduced_as_page(host, before)):
        return None
    url = f"https://{host}{'' if port is None else f':{port}'}{parts.path}".rstrip("/")
    if parts.query:
        url += f"?{parts.query}"
    if parts.fragment:
        url += f"#{parts.fragment}"
    return CodeLink(url, LinkKind.PROJECT)


def _repository(kind: LinkKind, host: str, path: list[str]) -> CodeLink | None:
    if not path:  # the host's front page, or one of its own pages: no repository of the paper
        return None
    path = [*path[:-1], path[-1].removesuffix(".git")]
    return CodeLink(f"https://{host}/{'/'.join(path)}", kind)


def _github_path(segments: list[str]) -> list[str]:
    if not segments or segments[0].lower() in _GITHUB_NOT_OWNERS:
        return []
    if segments[0].lower() == "orgs":  # github.com/orgs/<org>/repositories: the organisation
        return segments[1:2]
    return segments[:2]


def _huggingface_path(segments: list[str]) -> list[str]:
    if not segments or segments[0].lower() in _HF_NOT_CODE:
        return []
    if segments[0].lower() in ("datasets", "spaces", "collections"):
        return segments[:3] if len(segments) >= 2 else []
    return segments[:2]


def _gitlab_path(segments: list[str]) -> list[str]:
    """GitLab nests groups (``group/subgroup/project``); its own pages start at ``/-/``."""
    path: list[str] = []
    for segment in segments:
        if segment == "-" or (path and segment in ("tree", "blob", "raw")):
            break
        path.append(segment)
    return path


def _introduced_as_page(host: str, before: str) -> bool:
    if any(host == h or host.endswith(f".{h}") for h in _NOT_PROJECT_HOSTS):
        return False
    ends = list(_SENTENCE_END.finditer(before))
    sentence = before[ends[-1].end() :] if ends else before
    cues = list(_CUE.finditer(sentence))
    return bool(cues) and cues[-1].group("page") is not None
