"""The ``summaries:`` settings: every rule names its key, the key is only ever a variable's name, and the
language is checked against the list of languages a summary can be checked in."""

from __future__ import annotations

import dataclasses

import pytest

from arxiv_digest.summarize import (
    LANGUAGES,
    SummarySettings,
    accepted_languages,
    find_language,
    parse_key_reference,
    settings_from_mapping,
    settings_problems,
)

OPENAI = SummarySettings(endpoint="https://api.openai.com/v1", model="gpt-4o-mini", key_env="OPENAI_API_KEY")


def keys(settings: SummarySettings) -> list[str]:
    return [p.key for p in settings_problems(settings)]


def test_the_documented_setups_are_valid() -> None:
    deepseek = dataclasses.replace(
        OPENAI, endpoint="https://api.deepseek.com/v1", model="deepseek-chat", key_env="DEEPSEEK_API_KEY"
    )
    ollama = SummarySettings(endpoint="http://127.0.0.1:11434/v1", model="llama3.2", key_env=None)
    for settings in (OPENAI, deepseek, ollama):
        assert settings_problems(settings) == ()


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"papers": -1}, "summaries.papers", "from 0 to 500"),
        ({"papers": True}, "summaries.papers", "an integer"),
        ({"papers": 2.5}, "summaries.papers", "an integer"),
        ({"max_tokens_per_day": "60k"}, "summaries.max_tokens_per_day", "an integer"),
        ({"timeout_seconds": 0}, "summaries.timeout_seconds", "from 1 to 600"),
        ({"timeout_seconds": float("nan")}, "summaries.timeout_seconds", "a number"),
        ({"concurrency": 0}, "summaries.concurrency", "from 1 to 16"),
        ({"concurrency": 100}, "summaries.concurrency", "from 1 to 16"),
        ({"max_retries": 9}, "summaries.max_retries", "from 0 to 5"),
        ({"max_output_tokens": 5}, "summaries.max_output_tokens", "from 16"),
        ({"model": ""}, "summaries.model", "the model's name"),
        ({"model": "gpt 4o"}, "summaries.model", "the model's name"),
        ({"language": "Klingon"}, "summaries.language", "English (en), German (de)"),
        ({"key_env": "OPENAI-KEY"}, "summaries.key", "${OPENAI_API_KEY}"),
        ({"endpoint": "api.openai.com/v1"}, "summaries.endpoint", "http(s) URL"),
        ({"endpoint": "https://api.openai.com/v1/chat/completions"}, "summaries.endpoint", "without /chat"),
        ({"endpoint": "https://u:p@api.openai.com/v1"}, "summaries.endpoint", "user or password"),
        ({"endpoint": "https://api.openai.com/v1?x=1"}, "summaries.endpoint", "without ? or #"),
        ({"endpoint": "http://api.openai.com/v1"}, "summaries.endpoint", "must be https://"),
        ({"endpoint": "http://192.168.1.5:8000/v1"}, "summaries.endpoint", "must be https://"),
    ],
)
def test_each_rule_names_its_key(changes: dict[str, object], key: str, words: str) -> None:
    problems = settings_problems(dataclasses.replace(OPENAI, **changes))  # type: ignore[arg-type]
    assert [p.key for p in problems] == [key]
    assert words in problems[0].message
    assert str(problems[0]).startswith(key + ": ")


def test_plain_http_is_for_this_machine_or_no_key() -> None:
    local = dataclasses.replace(OPENAI, endpoint="http://localhost:11434/v1")
    lan_without_key = dataclasses.replace(OPENAI, endpoint="http://192.168.1.5:8000/v1", key_env=None)
    ipv6_loopback = dataclasses.replace(OPENAI, endpoint="http://[::1]:8000/v1")
    assert keys(local) == keys(lan_without_key) == keys(ipv6_loopback) == []


def test_every_problem_is_reported_at_once() -> None:
    bad = dataclasses.replace(OPENAI, endpoint="ftp://x", model="", language="xx", papers=-1, concurrency=0)
    assert keys(bad) == [
        "summaries.endpoint",
        "summaries.model",
        "summaries.language",
        "summaries.papers",
        "summaries.concurrency",
    ]


def test_the_key_is_a_reference_to_the_environment_and_never_repeated() -> None:
    assert parse_key_reference("${OPENAI_API_KEY}") == "OPENAI_API_KEY"
    assert parse_key_reference("  ${DEEPSEEK_API_KEY} ") == "DEEPSEEK_API_KEY"
    pasted = "sk-proj-7Hc9pastedSecretValue0000"
    for value in (pasted, "OPENAI_API_KEY", "${1BAD}", "$OPENAI_API_KEY", 42):
        with pytest.raises(ValueError, match=r"environment variable") as caught:
            parse_key_reference(value)
        assert pasted not in str(caught.value)


def test_a_mapping_as_yaml_gives_it() -> None:
    settings, problems = settings_from_mapping(
        {
            "endpoint": "https://api.openai.com/v1",
            "model": "gpt-4o-mini",
            "key": "${OPENAI_API_KEY}",
            "language": "Deutsch",
            "papers": 30,
            "max_tokens_per_day": 60000,
        }
    )
    assert problems == ()
    assert settings == dataclasses.replace(OPENAI, language="Deutsch", papers=30, max_tokens_per_day=60000)


def test_a_mapping_with_mistakes_reports_all_without_the_pasted_key() -> None:
    pasted = "sk-live-0123456789abcdefPASTED"
    settings, problems = settings_from_mapping(
        {"endpoint": "https://x.example/v1", "key": pasted, "paper": 3}
    )
    assert settings is None
    assert sorted(p.key for p in problems) == ["summaries.key", "summaries.model", "summaries.paper"]
    assert all(pasted not in str(p) for p in problems)
    assert "is not a setting of summaries: (they are concurrency, endpoint, key," in next(
        str(p) for p in problems if p.key == "summaries.paper"
    )


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("English", "en"),
        ("english", "en"),
        ("EN", "en"),
        ("Deutsch", "de"),
        ("German", "de"),
        ("  de ", "de"),
        ("中文", "zh"),
        ("zh-CN", "zh"),
        ("Chinese", "zh"),
        ("日本語", "ja"),
        ("Español", "es"),
        ("Português", "pt"),
        ("Українська", "uk"),
    ],
)
def test_languages_by_name_own_name_or_code(written: str, code: str) -> None:
    assert find_language(written).code == code


def test_an_unknown_language_lists_what_is_accepted() -> None:
    with pytest.raises(ValueError) as caught:
        find_language("Traditional Chinese")
    message = str(caught.value)
    assert "'Traditional Chinese' is not a language" in message
    for language in LANGUAGES:
        assert f"{language.name} ({language.code})" in message
    assert accepted_languages() in message
