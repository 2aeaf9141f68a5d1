"""config.yml: the reference's loads unchanged, `init`'s is valid, and every mistake is a ConfigError that
names the file, the line and the key path (exit 2 from the CLI, with nothing written)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.config import (
    DEFAULT_API_URL,
    DEFAULT_DELAY_SECONDS,
    DEFAULT_OAI_URL,
    DEFAULT_RSS_URL,
    Config,
    load_config,
    parse_config,
)
from arxiv_digest.errors import EXIT_USAGE, ConfigError
from arxiv_digest.models import AnnounceType, MatchMode, Order
from tests.conftest import INIT_TOPICS, REFERENCE_CONFIG, CliResult

FILE = "conf/config.yml"
BASE = """\
category:
  cs.CL: Computation and Language
topic:
  LLM:
    keywords:
      - LLM
"""


def config_error(text: str, env: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, file=FILE, env=env or {})
    return info.value


def assert_located(error: ConfigError, line: int, key: str | None) -> None:
    """The message starts ``file:line: key: `` and the attributes say the same."""
    where = f"{FILE}:{line}: " + (f"{key}: " if key else "")
    assert str(error).startswith(where), str(error)
    assert (error.path, error.line, error.key) == (FILE, line, key)


# ---------------------------------------------------------------------------------------------------
# configs that load


def test_the_reference_config_loads_unchanged() -> None:
    config = parse_config(REFERENCE_CONFIG, env={})
    assert config.category_codes == ("cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO")
    assert config.category("cs.CV").display == "Computer Vision and Pattern Recognition 📸"
    topics = {t.name: t for t in config.topics}
    assert tuple(topics) == INIT_TOPICS
    assert topics["LLM"].keywords == (("LLM",), ("Large Language Model",), ("GPT",))
    # list items that are lists are AND groups, kept as tuples
    assert topics["Test-Time-Scaling"].keywords[:3] == (
        ("LLM", "Reasoning"),
        ("VLM", "Reasoning"),
        ("System 2", "Thinking"),
    )
    assert topics["Test-Time-Scaling"].keywords[3:] == tuple(
        (k,) for k in ("Slow Thinking", "o1", "r1", "test-time-scaling", "test-time-computing", "TTS", "TTC")
    )
    # `filters:` with nothing under it is no filter
    assert topics["LLM"].filters == ()
    assert topics["3D_Reconstruction"].filters == (("2D",),)
    assert topics["3D_Generation"].filters == (("2D",),)
    assert all(
        t.match is MatchMode.WORD and t.order is Order.NEWEST and t.mark_updates for t in topics.values()
    )
    assert all(t.slug == t.name for t in topics.values())
    assert topics["Benchmark"].line == 63 and topics["LLM"].line == 10
    assert config.repo is None and config.arxiv.delay_seconds == DEFAULT_DELAY_SECONDS


def test_substring_mode_brings_the_references_order_and_no_update_marks() -> None:
    config = parse_config(REFERENCE_CONFIG + "\nmatch: substring\n", env={})
    assert all(t.match is MatchMode.SUBSTRING for t in config.topics)
    assert all(t.order is Order.REFERENCE and not t.mark_updates for t in config.topics)


def test_the_config_init_writes_is_valid(digest_dir: Path) -> None:
    config = load_config(digest_dir / "config.yml", env={})
    assert isinstance(config, Config)
    assert config.path == digest_dir / "config.yml"
    assert config.category_codes == ("cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO")
    assert len(config.topics) == 8
    benchmark = next(t for t in config.topics if t.name == "Benchmark")
    assert benchmark.keywords == (("Bench*",),)
    assert config.include == frozenset({AnnounceType.NEW, AnnounceType.CROSS, AnnounceType.REPLACE})


def test_init_with_a_repo_writes_a_valid_config_with_that_repo(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    result = cli("init", tmp_path / "d", "--repo", "me/my-digest")
    assert result.exit_code == 0, result.err
    assert load_config(tmp_path / "d" / "config.yml", env={}).repo == "me/my-digest"


def test_init_with_a_bad_repo_writes_nothing(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    result = cli("init", tmp_path / "d", "--repo", "bad")
    assert result.exit_code == 2
    assert "config.yml:" in result.err and "repo: must be `owner/name`" in result.err
    assert not (tmp_path / "d").exists()


def test_scalar_keywords_are_kept_as_written() -> None:
    config = parse_config(
        "category:\n  cs.CL:\ntopic:\n  T:\n    keywords: [yes, 1e5, 3D, o1, 2.0, null-space]\n", env={}
    )
    assert config.topics[0].keywords == (("yes",), ("1e5",), ("3D",), ("o1",), ("2.0",), ("null-space",))
    assert config.category("cs.CL").display == "Computation and Language"  # from arXiv's taxonomy


# ---------------------------------------------------------------------------------------------------
# errors: file, line, key path


def test_unknown_top_level_key_suggests_the_right_one() -> None:
    error = config_error(BASE + "titel: My digest\n")
    assert_located(error, 7, "titel")
    assert "unknown key" in str(error) and "did you mean 'title'?" in str(error)
    error = config_error("categroy:\n  cs.CL: x\n" + BASE.split("\n", 2)[2])
    assert_located(error, 1, "categroy")
    assert "did you mean 'category'?" in str(error)


def test_unknown_topic_key() -> None:
    error = config_error(BASE + "    filter:\n      - survey\n")
    assert_located(error, 7, "topic.LLM.filter")
    assert "unknown key" in str(error) and "did you mean 'filters'?" in str(error)


def test_unknown_arxiv_category_suggests_one() -> None:
    error = config_error(BASE.replace("cs.CL: Computation", "cs.CLL: Computation"))
    assert_located(error, 2, "category.cs.CLL")
    assert "unknown arXiv category 'cs.CLL'" in str(error) and "did you mean 'cs.CL'?" in str(error)
    error = config_error(BASE.replace("cs.CL: Computation", "CS.cv: Computation"))
    assert "did you mean 'cs.CV'?" in str(error)


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        (BASE + "match: fuzzy\n", 7, "match"),
        (BASE + "match: [word]\n", 7, "match"),
        (BASE + "    match: regex\n", 7, "topic.LLM.match"),
        (BASE + "order: oldest\n", 7, "order"),
        (BASE + "include: [new, withdrawn]\n", 7, "include[1]"),
        (BASE + "mark_updates: maybe\n", 7, "mark_updates"),
        (BASE + "max_authors: 0\n", 7, "max_authors"),
        (BASE + "repo: not a repo\n", 7, "repo"),
        (BASE + "arxiv:\n  delay_seconds: soon\n", 8, "arxiv.delay_seconds"),
        (BASE + "arxiv:\n  delay_seconds: .nan\n", 8, "arxiv.delay_seconds"),
        (BASE + "arxiv:\n  delay_seconds: .inf\n", 8, "arxiv.delay_seconds"),
        (BASE + "arxiv:\n  rss_url: ftp://example.org/\n", 8, "arxiv.rss_url"),
        (BASE + "arxiv:\n  rss_ulr: https://example.org/\n", 8, "arxiv.rss_ulr"),
    ],
)
def test_bad_option_values(text: str, line: int, key: str) -> None:
    assert_located(config_error(text), line, key)


def test_match_must_be_word_or_substring() -> None:
    error = config_error(BASE + "match: fuzzy\n")
    assert "must be one of word | substring, not 'fuzzy'" in str(error)


@pytest.mark.parametrize(
    ("keywords", "line", "key"),
    [
        ("      - {a: 1}\n", 6, "topic.LLM.keywords[0]"),
        ("      - LLM\n      - [[nested]]\n", 7, "topic.LLM.keywords[1][0]"),
        ("      - LLM\n      - [VLM, {b: 2}]\n", 7, "topic.LLM.keywords[1][1]"),
        ("      -\n", 6, "topic.LLM.keywords[0]"),
        ("      - ''\n", 6, "topic.LLM.keywords[0]"),
        ("      - '--'\n", 6, "topic.LLM.keywords[0]"),
        ("      - []\n", 6, "topic.LLM.keywords[0]"),
    ],
)
def test_a_keyword_of_a_wrong_type(keywords: str, line: int, key: str) -> None:
    text = "category:\n  cs.CL: x\ntopic:\n  LLM:\n    keywords:\n" + keywords
    assert_located(config_error(text), line, key)


def test_a_topic_without_keywords() -> None:
    assert_located(
        config_error("category:\n  cs.CL: x\ntopic:\n  LLM:\n    keywords:\n"), 5, "topic.LLM.keywords"
    )
    assert_located(config_error("category:\n  cs.CL: x\ntopic:\n  LLM: [a]\n"), 4, "topic.LLM")


TOPIC_A = "category:\n  cs.CL: x\ntopic:\n  LLM:\n    keywords: [a]\n"
SYSTEM = "!!python/object/apply:os.system ['touch {marker}']"


@pytest.mark.parametrize(
    ("yaml_text", "line", "key"),
    [
        pytest.param(SYSTEM + "\n", 1, None, id="the whole file"),
        pytest.param(BASE + "      - " + SYSTEM + "\n", 7, "topic.LLM.keywords[1]", id="a keyword"),
        pytest.param(
            "category:\n  cs.CL: x\ntopic:\n  LLM:\n    keywords: " + SYSTEM + "\n",
            5,
            "topic.LLM.keywords",
            id="the keyword list",
        ),
        pytest.param(
            "category:\n  cs.CL: " + SYSTEM + "\ntopic:\n  L:\n    keywords: [a]\n",
            2,
            "category.cs.CL",
            id="a category name",
        ),
        pytest.param(
            TOPIC_A + "title: !!python/object/apply:os.system {{args: ['touch {marker}']}}\n",
            6,
            "title",
            id="a mapping",
        ),
        pytest.param(TOPIC_A + "title: !!python/name:os.system\n", 6, "title", id="a name"),
    ],
)
def test_a_python_tag_is_a_config_error_and_never_runs(
    yaml_text: str, line: int, key: str | None, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    error = config_error(yaml_text.format(marker=marker))
    assert_located(error, line, key)
    assert "unsafe YAML tag" in str(error)
    assert not marker.exists()


def test_duplicate_keys() -> None:
    error = config_error(BASE + "topic:\n  VLM:\n    keywords: [VLM]\n")
    assert_located(error, 7, "topic")
    assert "duplicate key 'topic'" in str(error)
    error = config_error(BASE + "  LLM:\n    keywords: [GPT]\n")
    assert_located(error, 7, "topic.LLM")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (BASE + "    filters: [a\n  VLM: x\n", 7),  # the bracket never closed, not where it gave up
        ("category:\n  cs.CL: x\n topic: [\n", 3),
        ("category:\n\tcs.CL: x\n", 2),
        (BASE + "title: 'unterminated\n", 7),
    ],
)
def test_yaml_syntax_errors_name_the_file_and_line(text: str, line: int) -> None:
    error = config_error(text)
    assert str(error).startswith(f"{FILE}:{line}: "), str(error)
    assert (error.path, error.line) == (FILE, line)


@pytest.mark.parametrize("name", ["'...'", "'---'", "'/'", "' _ '"])
def test_a_topic_name_with_nothing_to_name_a_file_after(name: str) -> None:
    error = config_error(f"category:\n  cs.CL: x\ntopic:\n  {name}:\n    keywords: [a]\n")
    assert error.line == 4 and error.key is not None and error.key.startswith("topic.")
    assert "has no letter or digit" in str(error)


@pytest.mark.parametrize(("first", "second"), [("'A B'", "'A/B'"), ("llm", "LLM"), ("'x?'", "'x!'")])
def test_two_topics_sharing_a_file_name(first: str, second: str) -> None:
    error = config_error(
        f"category:\n  cs.CL: x\ntopic:\n  {first}:\n    keywords: [a]\n  {second}:\n    keywords: [b]\n"
    )
    assert_located(error, 6, f"topic.{second.strip(chr(39))}")
    assert "would share its page" in str(error) and "rename one" in str(error)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("../../x", "x"),
        ("/etc/passwd", "etc_passwd"),
        ("..\\\\..\\\\x", "x"),
        ("a/../../b", "a_.._.._b"),
        (".hidden", "hidden"),
    ],
)
def test_a_topic_name_becomes_a_file_name_that_stays_in_its_folder(
    name: str, slug: str, tmp_path: Path
) -> None:
    config = parse_config(f'category:\n  cs.CL: x\ntopic:\n  "{name}":\n    keywords: [a]\n', env={})
    topic = config.topics[0]
    assert topic.slug == slug
    folder = (tmp_path / "hot_topic").resolve()
    assert (folder / f"{topic.slug}.md").resolve().parent == folder


# ---------------------------------------------------------------------------------------------------
# the environment overrides the file

FILE_ARXIV = (
    BASE
    + """\
arxiv:
  rss_url: https://file.example/rss/
  api_url: https://file.example/api/query
  oai_url: https://file.example/oai
  delay_seconds: 7
"""
)
ENV = {
    "ARXIV_DIGEST_RSS_URL": "http://127.0.0.1:8123/rss/",
    "ARXIV_DIGEST_API_URL": "http://127.0.0.1:8123/api/query",
    "ARXIV_DIGEST_OAI_URL": "http://127.0.0.1:8123/oai",
    "ARXIV_DIGEST_DELAY_SECONDS": "0.05",
}


def test_the_file_sets_the_endpoints_and_the_environment_overrides_them() -> None:
    from_file = parse_config(FILE_ARXIV, env={}).arxiv
    assert (from_file.rss_url, from_file.api_url, from_file.oai_url, from_file.delay_seconds) == (
        "https://file.example/rss/",
        "https://file.example/api/query",
        "https://file.example/oai",
        7.0,
    )
    from_env = parse_config(FILE_ARXIV, env=ENV).arxiv
    assert (from_env.rss_url, from_env.api_url, from_env.oai_url, from_env.delay_seconds) == (
        "http://127.0.0.1:8123/rss/",
        "http://127.0.0.1:8123/api/query",
        "http://127.0.0.1:8123/oai",
        0.05,
    )
    defaults = parse_config(BASE, env={}).arxiv
    assert (defaults.rss_url, defaults.api_url, defaults.oai_url, defaults.delay_seconds) == (
        DEFAULT_RSS_URL,
        DEFAULT_API_URL,
        DEFAULT_OAI_URL,
        DEFAULT_DELAY_SECONDS,
    )


@pytest.mark.parametrize("var", sorted(ENV))
def test_each_variable_overrides_only_its_own_setting(var: str) -> None:
    settings = parse_config(FILE_ARXIV, env={var: ENV[var]}).arxiv
    values = {
        "ARXIV_DIGEST_RSS_URL": settings.rss_url,
        "ARXIV_DIGEST_API_URL": settings.api_url,
        "ARXIV_DIGEST_OAI_URL": settings.oai_url,
        "ARXIV_DIGEST_DELAY_SECONDS": str(settings.delay_seconds),
    }
    assert values.pop(var) == ENV[var]
    assert (
        "127.0.0.1" not in "".join(values.values())
        and values.get("ARXIV_DIGEST_DELAY_SECONDS", "7.0") == "7.0"
    )


def test_load_config_reads_the_process_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.yml"
    path.write_text(FILE_ARXIV, encoding="utf-8")
    for var, value in ENV.items():
        monkeypatch.setenv(var, value)
    assert load_config(path).arxiv.rss_url == ENV["ARXIV_DIGEST_RSS_URL"]
    monkeypatch.setenv("ARXIV_DIGEST_DELAY_SECONDS", "later")
    with pytest.raises(ConfigError, match="ARXIV_DIGEST_DELAY_SECONDS"):
        load_config(path)


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("ARXIV_DIGEST_RSS_URL", "rss.arxiv.org/rss/"),
        ("ARXIV_DIGEST_API_URL", "ftp://export.arxiv.org/api/query"),
        ("ARXIV_DIGEST_OAI_URL", "http:// spaced"),
        ("ARXIV_DIGEST_DELAY_SECONDS", "soon"),
        ("ARXIV_DIGEST_DELAY_SECONDS", "-1"),
        ("ARXIV_DIGEST_DELAY_SECONDS", "nan"),
        ("ARXIV_DIGEST_DELAY_SECONDS", "inf"),
        ("ARXIV_DIGEST_DELAY_SECONDS", "1e999"),
    ],
)
def test_a_bad_environment_value_is_a_config_error(var: str, value: str) -> None:
    error = config_error(BASE, env={var: value})
    assert f"environment variable {var}" in str(error)
    assert repr(value) in str(error)


def test_delay_seconds_is_always_a_finite_number() -> None:
    """A NaN delay would compare as "not below arXiv's 3 s minimum" and then make every wait zero."""
    for env in ({}, ENV):
        assert math.isfinite(parse_config(FILE_ARXIV, env=env).arxiv.delay_seconds)


# ---------------------------------------------------------------------------------------------------
# through the CLI


def test_run_with_a_bad_config_exits_2_names_file_and_line_and_creates_nothing(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BASE + "    filter:\n      - survey\n", encoding="utf-8")
    out = tmp_path / "X"
    result = cli("run", "--config", bad, "--out", out)
    assert result.exit_code == EXIT_USAGE == 2
    assert f"{bad}:7: topic.LLM.filter: unknown key" in result.err
    assert "did you mean 'filters'?" in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert not out.exists()


def test_run_with_a_yaml_syntax_error_exits_2(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BASE + "    filters: [a\n  VLM: x\n", encoding="utf-8")
    out = tmp_path / "X"
    result = cli("run", "--config", bad, "--out", out)
    assert result.exit_code == 2
    assert f"{bad}:7: expected ',' or ']', but got ':' (line 8)" in result.err
    assert not out.exists()


def test_rebuild_with_a_python_tag_exits_2_and_runs_nothing(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    marker = tmp_path / "pwned"
    bad = tmp_path / "bad.yml"
    bad.write_text(BASE + f"      - !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    result = cli("rebuild", "--config", bad, "--out", tmp_path / "X")
    assert result.exit_code == 2
    assert f"{bad}:7: topic.LLM.keywords[1]: unsafe YAML tag" in result.err
    assert not marker.exists() and not (tmp_path / "X").exists()


def test_a_missing_config_file_exits_2(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    missing = tmp_path / "nope.yml"
    result = cli("run", "--config", missing, "--out", tmp_path / "X")
    assert result.exit_code == 2
    assert str(missing) in result.err and "file not found" in result.err
    assert not (tmp_path / "X").exists()
