"""The `word` rule (the default) and the reference's `substring` rule, pinned on examples and on real papers.

The contract (match/words.py): title, abstract and keyword are NFKC-normalised and lower-cased; every run of
characters that are not letters or digits is one word boundary; a keyword matches where its words occur
consecutively as whole words, the last optionally followed by "s" or "es"; "Bench*" matches any word with
that prefix; a hyphen inside a keyword also matches the closed form. `substring` is the reference's rule: a
case-insensitive substring of ``title + " " + abstract``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from importlib import resources

import pytest

from arxiv_digest.config import parse_config
from arxiv_digest.match import Matcher, TopicRule
from arxiv_digest.models import AnnounceType, Paper, Topic
from arxiv_digest.query import keywords_tree
from arxiv_digest.text import clean_abstract, clean_title
from tests.conftest import DATA, REFERENCE_CONFIG

DAY = dt.date(2025, 3, 31)


def paper(title: str = "", abstract: str = "", arxiv_id: str = "2503.00001") -> Paper:
    return Paper(
        id=arxiv_id,
        version=1,
        title=title,
        authors=("A. Author",),
        abstract=abstract,
        categories=("cs.CV",),
        announce_type=AnnounceType.NEW,
        announced=DAY,
    )


def selects(
    keywords: Sequence[Sequence[str]],
    p: Paper,
    filters: Sequence[Sequence[str]] = (),
    *,
    substring: bool = False,
) -> bool:
    matcher = Matcher([TopicRule("t", keywords_tree(keywords, filters, substring=substring))])
    return matcher.match(p) == ["t"]


def word_rule(keyword: str, text: str) -> bool:
    """The keyword against the text, once as the title and once as the abstract (both must agree)."""
    in_title = selects([(keyword,)], paper(title=text, abstract="Nothing else here."))
    in_abstract = selects([(keyword,)], paper(title="Untitled", abstract=text))
    assert in_title == in_abstract, (keyword, text)
    return in_title


def substring_rule(keyword: str, text: str) -> bool:
    return selects([(keyword,)], paper(title="Untitled", abstract=text), substring=True)


# ---------------------------------------------------------------------------------------------------
# the word rule, example by example


@pytest.mark.parametrize(
    ("keyword", "text", "expected"),
    [
        # whole words, consecutive, across punctuation and line breaks
        ("Vision Language Model", "We study vision-language models for OCR.", True),
        ("Vision Language Model", "a large Vision Language\nModel trained on", True),
        ("Vision Language Model", "a large Vision Language\n   Model trained on", True),
        ("Vision Language Model", "vision and language models", False),
        ("Vision Language Model", "language model for vision", False),
        # the last word may take s / es, and only the last word
        ("LLM", "LLMs are few-shot learners", True),
        ("LLM", "an LLM agent", True),
        ("LLM", "MLLM agents", False),
        ("LLM", "MLLMs and dLLMs", False),
        ("LLM", "LLMed text", False),
        ("Gaussian Process", "deep Gaussian processes", True),
        ("Patch", "image patches", True),
        ("Language Model", "languages model", False),
        ("Language Models", "language model", False),
        # digits are word characters
        ("r1", "We distil DeepSeek-R1 into", True),
        ("r1", "the PXR150 detector", False),
        ("r1", "trained on Twitter16", False),
        ("o1", "OpenAI o1-preview", True),
        ("o1", "YOLO11 detector", False),
        ("2D", "2D-3D lifting", True),
        ("2D", "the Stanford-2D3D set", False),
        ("2D", "L2D2-GS: densify", False),
        # short keywords do not hide inside longer words
        ("RL", "RL fine-tuning", True),
        ("RL", "in the real world", False),
        ("RL", "RLHF pipelines", False),
        ("GPT", "GPT-4o and GPTs", True),
        ("Bench", "a new benchmark", False),
        ("Bench", "SEED-Bench-R1", True),
        ("Bench", "workbenches", False),
        # prefix words
        ("Bench*", "a new benchmark", True),
        ("Bench*", "Benchmarking LLMs", True),
        ("Bench*", "testbench results", False),
        ("Diffusion Trans*", "scalable diffusion transformers", True),
        ("Diffusion Trans*", "diffusion models transform", False),
        ("Vision* Language Model", "visionary language models", True),
        ("Vision* Language Model", "visionary models of language", False),
        # NFKC: full-width, ligatures, compatibility digits
        ("LLM", "ＬＬＭｓ are", True),
        ("ＬＬＭ", "LLMs are", True),
        ("Fine-Tuning", "ﬁne-tuning at scale", True),
        ("r1", "DeepSeek-Ｒ１", True),
        # Unicode letters are letters (no boundary inside "Schrödinger"), lower-cased beyond ASCII
        ("Schrödinger Bridge", "SCHRÖDINGER BRIDGES for generative modelling", True),
        ("dinger", "Schrödinger bridges", False),
        ("Łukasz", "ŁUKASZ", True),
        ("Übersetzung", "maschinelle übersetzung", True),
        ("大模型", "中文 大模型 评测", True),
        ("α-divergence", "α divergences", True),
        ("ell 0", "the $\\ell_0$ norm", True),
        # a hyphen in the keyword: open, hyphenated and closed forms
        ("Multi-Modal", "multimodal reasoning", True),
        ("Multi-Modal", "multi-modal reasoning", True),
        ("Multi-Modal", "multi modal reasoning", True),
        ("Multi-Modal Language Model", "multimodal large language models", False),
        ("Multi-Modal Language Model", "multimodal language models", True),
        # ... but not the other way round: a closed keyword is one word
        ("Multimodal Language Model", "multi-modal language models", False),
    ],
)
def test_word_rule(keyword: str, text: str, expected: bool) -> None:
    assert word_rule(keyword, text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("test time scaling", True),
        ("test-time scaling", True),
        ("test-time-scaling", True),
        ("Test–Time Scaling", True),  # en dash
        ("testtime scaling", True),
        ("test-timescaling", True),
        ("testtimescaling laws", True),
        ("test time-scaling", True),
        ("test-time scalings", True),
        ("time scaling at test", False),
        ("test scaling", False),
        ("test-time compute", False),
        ("tes ttime scaling", False),
    ],
)
def test_a_keyword_with_several_hyphens_matches_every_closed_form(text: str, expected: bool) -> None:
    assert word_rule("test-time-scaling", text) is expected


def test_the_keyword_is_read_case_insensitively_and_by_its_words() -> None:
    for keyword in (
        "vision language model",
        "VISION LANGUAGE MODEL",
        "Vision  Language\tModel",
        "Vision_Language Model",
    ):
        assert word_rule(keyword, "Vision-Language Models (VLMs)")


def test_a_phrase_split_across_a_line_break_in_arxivs_text_matches_after_ingestion() -> None:
    raw = "HumanAesExpert, a powerful Vision Language\nModel for aesthetic evaluation"
    assert word_rule("Vision Language Model", clean_abstract(raw))
    # The reference glued such lines ("LanguageModel"); glued, no word rule can find the phrase.
    assert not word_rule("Vision Language Model", raw.replace("\n", ""))


# ---------------------------------------------------------------------------------------------------
# AND groups, alternatives and filters (keywords_tree + Matcher)


def test_an_and_group_needs_every_keyword_somewhere_in_title_or_abstract() -> None:
    group = [("LLM", "Reasoning")]
    assert selects(group, paper("LLMs can reason", "Reasoning with chains of thought."))
    assert selects(group, paper("Untitled", "We improve LLM reasoning."))
    assert selects(group, paper("Reasoning", "with LLMs"))
    assert not selects(group, paper("LLMs at scale", "Nothing about thinking."))
    assert not selects(group, paper("Reasoning in MLLMs", "Visual reasoning."))  # MLLM is not LLM


def test_a_list_is_an_or_of_its_items_and_groups() -> None:
    keywords = [("VLM",), ("LLM", "Reasoning"), ("Slow Thinking",)]
    assert selects(keywords, paper("VLMs", ""))
    assert selects(keywords, paper("", "slow-thinking models"))
    assert selects(keywords, paper("LLM", "reasoning"))
    assert not selects(keywords, paper("LLM", "thinking slow"))


def test_any_matching_filter_excludes_the_paper() -> None:
    keywords = [("Reconstruction",), ("Gaussian",)]
    filters = [("2D",), ("Survey", "LLM")]
    assert selects(keywords, paper("3D Reconstruction", "from images"), filters)
    assert not selects(keywords, paper("3D Reconstruction", "from 2D images"), filters)
    assert not selects(keywords, paper("Gaussian splatting", "a 2D-3D pipeline"), filters)
    # an AND group as a filter excludes only when all of it matches
    assert selects(keywords, paper("A survey of Gaussian splatting", ""), filters)
    assert not selects(keywords, paper("A survey of Gaussian splatting", "and LLMs"), filters)
    # a filter alone selects nothing
    assert not selects(keywords, paper("2D survey of LLMs", ""), filters)
    # the word rule applies to filters too: "2D" is not inside "L2D2"
    assert selects(keywords, paper("L2D2-GS", "dynamic Gaussian scene reconstruction"), filters)


def test_filters_in_substring_mode_are_substrings_too() -> None:
    p = paper("L2D2-GS", "dynamic Gaussian scene reconstruction")
    assert not selects([("Gaussian",)], p, [("2D",)], substring=True)
    assert selects([("Gaussian",)], p, [("3D",)], substring=True)


# ---------------------------------------------------------------------------------------------------
# the reference's substring rule


@pytest.mark.parametrize(
    ("keyword", "text", "expected"),
    [
        ("Bench", "a new benchmark", True),
        ("r1", "the PXR150 detector", True),
        ("RL", "in the real world", True),
        ("LLM", "MLLMs", True),
        ("VLM", "WavLM features", True),
        ("mllm", "MLLM", True),
        ("Vision Language Model", "vision language models", True),
        # no word rule: hyphens, line breaks and full-width letters are not normalised
        ("Vision Language Model", "vision-language models", False),
        ("Vision Language Model", "vision language\nmodels", False),
        ("Multi-Modal", "multimodal", False),
        ("LLM", "ＬＬＭ", False),
        ("Bench*", "benchmark", False),
    ],
)
def test_substring_rule_is_the_references(keyword: str, text: str, expected: bool) -> None:
    assert substring_rule(keyword, text) is expected


def test_substring_rule_reads_title_space_abstract() -> None:
    p = paper("Towards a Vision", "Language Model for maps")
    assert selects([("Vision Language Model",)], p, substring=True)
    assert not selects([("VisionLanguage",)], p, substring=True)


def test_a_phrase_does_not_run_from_the_title_into_the_abstract_under_the_word_rule() -> None:
    p = paper("Towards a Vision", "Language Model for maps")
    assert not selects([("Vision Language Model",)], p)
    assert selects([("Vision",)], p) and selects([("Language Model",)], p)
    assert selects([("Vision", "Language Model")], p)  # an AND group is not a phrase


# ---------------------------------------------------------------------------------------------------
# real papers: where the reference's rule filed a paper wrongly and the word rule does not

DAYS = ("2025-06-06", "2025-10-15", "2026-06-30")


@cache
def day_papers(day: str) -> tuple[Paper, ...]:
    """The real records of tests/data/arxiv-days/<day>.jsonl as ingestion would clean them."""
    papers = []
    for line in (DATA / "arxiv-days" / f"{day}.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        papers.append(
            Paper(
                id=r["id"],
                version=1,
                title=clean_title(r["title"]),
                authors=tuple(r["authors"]),
                abstract=clean_abstract(r["summary"]),
                categories=tuple(r["categories"]),
                announce_type=AnnounceType.NEW,
                announced=dt.date.fromisoformat(day),
                comment=r["comment"],
            )
        )
    return tuple(papers)


def real_paper(day: str, arxiv_id: str) -> Paper:
    return next(p for p in day_papers(day) if p.id == arxiv_id)


@cache
def reference_topics() -> dict[str, Topic]:
    return {t.name: t for t in parse_config(REFERENCE_CONFIG, env={}).topics}


def substring_hit_words(keyword: str, p: Paper) -> set[str]:
    """Every word (run of non-space, trimmed of punctuation) of title + " " + abstract that holds
    ``keyword`` as a case-insensitive substring: where the reference's rule found it."""
    text = p.title + " " + p.abstract
    words = set()
    for m in re.finditer(re.escape(keyword.lower()), text.lower()):
        before = re.search(r"\S*$", text[: m.start()])
        after = re.match(r"\S*", text[m.end() :])
        assert before is not None and after is not None
        words.add(re.sub(r"^\W+|\W+$", "", before.group(0) + text[m.start() : m.end()] + after.group(0)))
    return words


@pytest.mark.parametrize(
    ("day", "arxiv_id", "topic", "keyword", "inside"),
    [
        # "LLM" inside "hallmark": a linguistics paper filed under LLM
        ("2025-10-15", "2510.12740", "LLM", "LLM", {"hallmark"}),
        # "VLM" inside "WavLM": a speech-emotion paper filed under MLLM
        ("2025-06-06", "2506.04652", "MLLM", "VLM", {"WavLM"}),
        # "r1" inside "Twitter16" and "o1" inside "YOLO11": filed under Test-Time-Scaling
        ("2025-06-06", "2506.04739", "Test-Time-Scaling", "r1", {"Twitter16"}),
        ("2025-06-06", "2506.04676", "Test-Time-Scaling", "o1", {"YOLO11", "YOLO11m"}),
        # "Bench" inside "Benchmark": the reference's Benchmark page is mostly this
        ("2025-06-06", "2506.04280", "Benchmark", "Bench", {"Benchmark", "benchmark", "benchmarks"}),
    ],
)
def test_real_papers_the_substring_rule_files_wrongly(
    day: str, arxiv_id: str, topic: str, keyword: str, inside: set[str]
) -> None:
    t = reference_topics()[topic]
    p = real_paper(day, arxiv_id)
    assert selects(t.keywords, p, t.filters, substring=True)
    assert substring_hit_words(keyword, p) == inside
    assert not selects(t.keywords, p, t.filters)
    # without the keyword that hides inside a longer word, the reference would not have filed it either
    others = [group for group in t.keywords if keyword not in group]
    assert not selects(others, p, t.filters, substring=True)


def test_a_real_paper_the_substring_filter_drops_wrongly() -> None:
    """2606.29374 "L2D2-GS: ... Dynamic Gaussian Scene Reconstruction": the reference's `2D` filter fires
    inside "L2D2", so its 3D_Reconstruction page lost a Gaussian-splatting reconstruction paper."""
    t = reference_topics()["3D_Reconstruction"]
    p = real_paper("2026-06-30", "2606.29374")
    assert selects(t.keywords, p)  # both rules: Gaussian, Reconstruction
    assert selects(t.keywords, p, substring=True)
    assert not selects(t.keywords, p, t.filters, substring=True)
    assert selects(t.keywords, p, t.filters)


def test_a_real_paper_where_rl_is_only_inside_world() -> None:
    p = real_paper("2025-06-06", "2506.04364")
    assert selects([("RL",)], p, substring=True)
    assert not selects([("RL",)], p)


def test_the_word_rule_still_finds_the_real_hits() -> None:
    """The same real papers, for what they do say as words."""
    assert selects([("MLLM",)], real_paper("2025-06-06", "2506.04280"))  # "MLLMs" in its title
    assert selects([("Bench*",)], real_paper("2025-06-06", "2506.04280"))
    assert selects([("Language Model",)], real_paper("2025-10-15", "2510.12740"))


# ---------------------------------------------------------------------------------------------------
# one matcher for many topics == one matcher per topic == the contract written out as regular expressions


def _scaffold_topics() -> list[Topic]:
    text = resources.files("arxiv_digest").joinpath("scaffold/config.yml").read_text(encoding="utf-8")
    return list(parse_config(text, env={}).topics)


#: name, keywords, filters, substring
Spec = tuple[str, Sequence[Sequence[str]], Sequence[Sequence[str]], bool]


def all_specs() -> list[Spec]:
    """Every topic of the reference's config and of `arxiv-digest init`'s, in both rules, plus extras."""
    specs: list[Spec] = []
    for source, topics in (("reference", list(reference_topics().values())), ("init", _scaffold_topics())):
        for t in topics:
            for substring in (False, True):
                name = f"{source}:{t.name}:{'substring' if substring else 'word'}"
                specs.append((name, t.keywords, t.filters, substring))
    specs.append(("extra:prefix-phrase", [("Diffusion Trans*",), ("Self-Sup*",)], [], False))
    specs.append(("extra:hyphens", [("test-time-scaling",), ("Chain-of-Thought",)], [], False))
    return specs


def _oracle_text(text: str) -> str:
    return " " + " ".join(re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).lower())) + " "


@cache
def _oracle_keyword(keyword: str, substring: bool) -> re.Pattern[str]:
    """The contract as a regular expression over the oracle's text (words separated by single spaces)."""
    if substring:
        return re.compile(re.escape(keyword.lower()))
    norm = unicodedata.normalize("NFKC", keyword).lower()
    alternatives = []
    pieces = re.split(r"([^\w*]+|_+)", norm)  # words and the separators between them
    words, seps = pieces[0::2], pieces[1::2]
    hyphens = [i for i, s in enumerate(seps) if s in {"-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2212"}]
    for closed in itertools.product((False, True), repeat=len(hyphens)):
        joined = [words[0]]
        for i, w in enumerate(words[1:]):
            if i in hyphens and closed[hyphens.index(i)] and not joined[-1].endswith("*"):
                joined[-1] += w
            else:
                joined.append(w)
        joined = [w for w in joined if w]
        parts = []
        for k, w in enumerate(joined):
            if w.endswith("*"):
                parts.append(re.escape(w.rstrip("*")) + r"[^ ]*")
            elif k == len(joined) - 1:
                parts.append(re.escape(w) + "(?:s|es)?")
            else:
                parts.append(re.escape(w))
        alternatives.append(" ".join(parts))
    return re.compile(" (?:" + "|".join(alternatives) + ") ")


def oracle(spec: Spec, words: str, lowered: str) -> bool:
    """``words``: the paper's text as the word rule reads it; ``lowered``: as the substring rule does."""
    _, keywords, filters, substring = spec
    text = lowered if substring else words

    def any_of(groups: Sequence[Sequence[str]]) -> bool:
        return any(all(_oracle_keyword(k, substring).search(text) for k in group) for group in groups)

    return any_of(keywords) and not any_of(filters)


@pytest.mark.parametrize("day", ["2026-06-30", "2025-06-06"])
def test_one_matcher_for_all_topics_equals_one_matcher_per_topic_and_the_contract(day: str) -> None:
    specs = all_specs()
    rules = [TopicRule(name, keywords_tree(k, f, substring=s)) for name, k, f, s in specs]
    together = Matcher(rules)
    alone = [Matcher([rule]) for rule in rules]
    papers = day_papers(day)
    counts = {rule.name: 0 for rule in rules}
    for p in papers:
        # The word rule reads title and abstract apart (a phrase cannot run from one into the other);
        # "|" is no word, so no pattern crosses it. The substring rule reads title + " " + abstract.
        words = _oracle_text(p.title) + "|" + _oracle_text(p.abstract)
        lowered = (p.title + " " + p.abstract).lower()
        selected = together.match(p)
        assert selected == [rule.name for rule, m in zip(rules, alone, strict=True) if m.match(p)], p.id
        assert selected == [spec[0] for spec in specs if oracle(spec, words, lowered)], p.id
        for name in selected:
            counts[name] += 1
    # and the comparison was not vacuous: both rules select papers, and they disagree on some
    assert counts["reference:LLM:word"] > 20
    assert counts["reference:Benchmark:substring"] > 3 * counts["reference:Benchmark:word"]
    assert counts["init:Benchmark:word"] > counts["reference:Benchmark:word"]
