"""A pick's reasons read as phrases (issue #9): fragments of the model's word pairs joined or dropped."""

from __future__ import annotations

from arxiv_digest.rank.features import Settings, new_vectorizer, tokens_of
from arxiv_digest.rank.reasons import phrases

TEXT = (
    "Chain-of-thought prompting for multi-agent reinforcement learning. We study videos and video "
    "models; the challenge is \\textbf{textbf} noise. Code is available at https://github.com/x/y."
)
# As the vectorizer reads TEXT: "" where a clause ends.
TOKENS = tokens_of(new_vectorizer(Settings(), vocabulary=["noise"]), TEXT)


def test_the_tokens_are_the_vectorizer_s_cut_at_each_clause() -> None:
    first = ["chain", "of", "thought", "prompting", "for", "multi", "agent", "reinforcement", "learning"]
    assert TOKENS[:10] == [*first, ""]
    assert TOKENS[10:17] == ["we", "study", "videos", "and", "video", "models", ""]


def test_overlapping_pairs_become_the_phrase_the_paper_says() -> None:
    terms = ["chain of", "of thought", "multi agent", "agent reinforcement", "reinforcement learning"]
    assert phrases(terms, TOKENS, TEXT, 5) == ("chain of thought", "multi agent reinforcement learning")


def test_pairs_the_paper_does_not_say_together_stay_apart() -> None:
    # "video models" and "models the" would make "video models the challenge", which spans a clause.
    assert phrases(["thought prompting", "study videos"], TOKENS, TEXT, 5) == (
        "thought prompting",
        "study videos",
    )
    assert phrases(["video models", "models the"], TOKENS, TEXT, 5) == ("video models",)
    # A pair the vectorizer counts across a full stop ("learning. We") is no phrase, nor merge material.
    assert phrases(["learning we", "noise"], TOKENS, TEXT, 5) == ("noise",)
    assert phrases(["reinforcement learning", "learning we", "we study"], TOKENS, TEXT, 5) == (
        "reinforcement learning",
    )


def test_a_word_already_shown_adds_nothing_and_gives_way_to_a_phrase() -> None:
    assert phrases(["video", "videos", "noise"], TOKENS, TEXT, 5) == ("video", "noise")
    assert phrases(["video", "noise", "video models"], TOKENS, TEXT, 5) == ("video models", "noise")
    assert phrases(["multi agent", "agent", "agents"], TOKENS, TEXT, 5) == ("multi agent",)


def test_function_words_tex_commands_and_links_are_not_reasons() -> None:
    terms = ["the challenge", "available at", "textbf", "https", "github com", "noise", "models the"]
    assert phrases(terms, TOKENS, TEXT, 5) == ("noise",)
    # A shown word is never traded for a phrase that cannot be shown.
    assert phrases(["challenge", "the challenge"], TOKENS, TEXT, 5) == ("challenge",)


def test_at_most_limit_phrases_strongest_first() -> None:
    terms = ["noise", "video", "chain of", "of thought", "prompting", "code", "study"]
    assert phrases(terms, TOKENS, TEXT, 3) == ("noise", "video", "chain of thought")
    assert phrases([], TOKENS, TEXT, 5) == ()
