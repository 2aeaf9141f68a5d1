"""Issue #7, configuration: a YAML alias bomb is refused within a bound, names YAML reads as booleans are
refused, syntax errors point at where the problem starts, every mistake of a file is reported in one run,
and a topic name too long for a file system is a config error before anything is published. All through
the real entry point, on real files."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.config import load_config
from arxiv_digest.config._fields import MAX_SLUG_BYTES, NAME_MAX_BYTES
from tests.conftest import CliResult, tree_state
from tests.fakearxiv import FakeArxiv
from tests.test_reliability import measure

Cli = Callable[..., CliResult]
MB = 1024 * 1024

# The "billion laughs" in YAML: nine levels of nine aliases, 9^9 = 387,420,489 strings once expanded.
BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

# The child times its own run of the entry point, once the modules are imported (importing them is the
# same for every config, and is most of a command's time on a busy machine).
TIMED_CHILD = """
import json, sys, time
from arxiv_digest.cli import main
import arxiv_digest.cli.history, arxiv_digest.config
began = time.monotonic()
code = main(sys.argv[1:])
print(json.dumps({"code": code, "seconds": time.monotonic() - began}))
raise SystemExit(code)
"""


def write(tmp_path: Path, text: str, name: str = "config.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------
# 1. the alias bomb


@pytest.mark.parametrize(
    "place",
    [
        pytest.param(lambda bomb: bomb, id="the whole file"),
        pytest.param(
            lambda bomb: "category: {cs.CL: x}\ntopic:\n  T:\n    keywords: *i\n" + bomb, id="as keywords"
        ),
    ],
)
def test_a_yaml_alias_bomb_is_refused_within_a_second_and_100_mb(
    place: Callable[[str], str], tmp_path: Path
) -> None:
    config = write(tmp_path, place(BILLION_LAUGHS))
    measured = measure([sys.executable, "-c", TIMED_CHILD, "check", "--config", str(config)], tmp_path)
    report = json.loads(measured.out)
    assert measured.code == report["code"] == 2, measured.err
    assert "aliases (*name) of this file stand for more than 10,000 values" in measured.err
    assert "billion laughs" in measured.err
    assert f"{config}:" in measured.err and "internal error" not in measured.err
    assert report["seconds"] < 1.0, report
    assert measured.peak_rss_mb < 100, measured
    print(
        f"\nalias bomb ({len(BILLION_LAUGHS)} bytes): refused in {report['seconds'] * 1000:.0f} ms "
        f"({measured.seconds:.2f} s with interpreter start-up), peak RSS {measured.peak_rss_mb:.0f} MB"
    )


def test_an_alias_inside_its_own_value_is_refused(cli: Cli, tmp_path: Path) -> None:
    config = write(tmp_path, "category: {cs.CL: x}\ntopic:\n  T:\n    keywords: &k [a, *k]\n")
    result = cli("check", "--config", config)
    assert result.exit_code == 2
    assert f"{config}:4: alias *k is inside the value it names (a loop)" in result.err


def test_nesting_past_the_limit_is_refused_not_a_recursion_error(cli: Cli, tmp_path: Path) -> None:
    config = write(tmp_path, "category: {cs.CL: x}\ntopic: " + "[" * 5000 + "]" * 5000 + "\n")
    result = cli("check", "--config", config)
    assert result.exit_code == 2, result.err
    assert "lists and mappings nested more than 50 deep" in result.err
    assert "internal error" not in result.err and "Recursion" not in result.err


def test_aliases_shared_between_topics_still_load(cli: Cli, tmp_path: Path) -> None:
    config = write(
        tmp_path,
        "category: {cs.CL: x}\ntopic:\n"
        "  T0:\n    keywords: [w0]\n    filters: &common [survey, review, tutorial, position paper]\n"
        + "".join(f"  T{n}:\n    keywords: [w{n}]\n    filters: *common\n" for n in range(1, 40)),
    )
    result = cli("check", "--config", config)
    assert result.exit_code == 0, result.err
    assert 'T39 (word): w39 AND NOT (survey OR review OR tutorial OR "position paper")' in result.out


# ---------------------------------------------------------------------------------------------------
# 2. names read as booleans, syntax errors, every error at once, shapes


@pytest.mark.parametrize(
    ("key", "read_as"),
    [
        ("yes", "the boolean true"),
        ("no", "the boolean false"),
        ("on", "the boolean true"),
        ("Off", "the boolean false"),
        ("true", "the boolean true"),
        ("null", "null (no value)"),
    ],
)
def test_a_topic_name_yaml_reads_as_a_boolean_must_be_quoted(
    key: str, read_as: str, cli: Cli, tmp_path: Path
) -> None:
    config = write(tmp_path, f"category: {{cs.CL: x}}\ntopic:\n  {key}:\n    keywords: [agent]\n")
    result = cli("check", "--config", config)
    assert result.exit_code == 2
    assert f"{config}:3: topic.{key}: `{key}` is read by YAML as {read_as}, not as a name" in result.err
    assert f'hint: quote it to use it as a name: "{key}":' in result.err
    config = write(tmp_path, f'category: {{cs.CL: x}}\ntopic:\n  "{key}":\n    keywords: [agent]\n')
    quoted = cli("check", "--config", config)
    assert quoted.exit_code == 0, quoted.err
    assert f"  {key} (word): agent" in quoted.out


def test_a_number_as_a_topic_name_keeps_its_spelling(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, "category: {cs.CL: x}\ntopic:\n  1.10:\n    keywords: [a]\n"), env={}
    )
    assert config.topics[0].name == "1.10"


LONG_FILE = (
    "category:\n  cs.CL: Computation and Language\ntopic:\n  LLM:\n    keywords: [LLM]\n"
    "  Agents:\n    keywords: ['agent, tool use]\n"  # line 7: the quote that never closes
    + "".join(f"  T{n}:\n    keywords: [w{n}]\n" for n in range(30))
)


def test_an_unclosed_quote_is_named_where_it_opens_not_at_the_end_of_the_file(
    cli: Cli, tmp_path: Path
) -> None:
    config = write(tmp_path, LONG_FILE)
    result = cli("check", "--config", config)
    assert result.exit_code == 2
    assert (
        f"{config}:7: found unexpected end of stream (the end of the file), while scanning a quoted "
        "scalar that starts here" in result.err
    )
    assert "hint: a quote, bracket or brace opened on this line is never closed" in result.err


def test_a_misplaced_colon_is_named_on_its_own_line(cli: Cli, tmp_path: Path) -> None:
    config = write(tmp_path, "category:\n  cs.CL: x\ntopic:\n  LLM:\n    keywords: [LLM]\n    query: a: b\n")
    result = cli("check", "--config", config)
    assert result.exit_code == 2
    assert f"{config}:6: mapping values are not allowed here" in result.err


EVERY_MISTAKE = """\
category:
  cs.XX: Not a category
  cs.CL: Computation and Language
titel: My digest
max_authors: zero
topic:
  yes:
    keywords: [agent]
  LLM:
    keywords: [LLM, 42.0, []]
    filter: [survey]
  Vision:
    query: 'ti:(vision'
  Robots:
    categories: [cs.RO]
notify:
  attempts: 99
  webhooks:
    - {url: "ftp://x", format: slack}
"""


def test_every_mistake_of_a_file_is_reported_in_one_run(cli: Cli, tmp_path: Path) -> None:
    config = write(tmp_path, EVERY_MISTAKE)
    out = tmp_path / "out"
    for args in (("check", "--config", config), ("run", "--config", config, "--out", out)):
        result = cli(*args)
        assert result.exit_code == 2
        expected = [
            f"error: {config}: 10 errors",
            f"{config}:2: category.cs.XX: unknown arXiv category 'cs.XX'",
            f"{config}:4: titel: unknown key",
            f"{config}:5: max_authors: must be an integer, not 'zero'",
            f"{config}:7: topic.yes: `yes` is read by YAML as the boolean true",
            f"{config}:10: topic.LLM.keywords[2]: an AND group needs at least one keyword",
            f"{config}:11: topic.LLM.filter: unknown key",
            f"{config}:13: topic.Vision.query: invalid query: expected a word or \"phrase\" after 'ti:' "
            "at column 4\n  ti:(vision\n     ^",
            f"{config}:14: topic.Robots: a topic needs `keywords:`, `query:` or `authors:` to select papers "
            "(`categories:` only narrows what those select)",
            f"{config}:17: notify.attempts: must be at most 10, not 99",
            f"{config}:19: notify.webhooks[0].url: must be an http(s) URL",
        ]
        positions = [result.err.find(line) for line in expected]
        assert -1 not in positions, [line for line, at in zip(expected, positions, strict=True) if at < 0]
        assert positions[1:] == sorted(positions[1:])  # in the order of the file
        assert "internal error" not in result.err
    assert not out.exists()


def test_a_list_of_categories_says_a_mapping_is_needed(cli: Cli, tmp_path: Path) -> None:
    config = write(tmp_path, "category: [cs.CL]\ntopic:\n  LLM:\n    keywords: [LLM]\n")
    result = cli("check", "--config", config)
    assert result.exit_code == 2
    assert (
        f"{config}:1: category: must be a mapping of arXiv codes to display names (code: display name), "
        "not a list" in result.err
    )
    assert "cs.CL: Computation and Language" in result.err  # the hint shows the shape


def test_a_topic_with_only_categories_says_what_a_topic_needs(cli: Cli, tmp_path: Path) -> None:
    config = write(tmp_path, "category: {cs.CL: x}\ntopic:\n  Robots:\n    categories: [cs.RO]\n")
    result = cli("check", "--config", config)
    assert result.exit_code == 2
    assert (
        f"{config}:3: topic.Robots: a topic needs `keywords:`, `query:` or `authors:` to select papers "
        "(`categories:` only narrows what those select)" in result.err
    )


def test_a_misspelt_required_key_is_one_error_not_two(cli: Cli, tmp_path: Path) -> None:
    config = write(tmp_path, "categroy: {cs.CL: x}\ntopic:\n  LLM:\n    keyword: [LLM]\n")
    result = cli("check", "--config", config)
    assert result.exit_code == 2
    assert f"{config}: 2 errors" in result.err
    assert "categroy: unknown key\n  hint: did you mean 'category'?" in result.err
    assert "topic.LLM.keyword: unknown key\n  hint: did you mean 'keywords'?" in result.err


# ---------------------------------------------------------------------------------------------------
# 5. names too long for a file system


@pytest.mark.parametrize(
    ("name", "size"),
    [
        pytest.param("x" * 300, 300, id="300 ASCII letters"),
        pytest.param("語" * 80, 240, id="80 CJK characters: 240 bytes"),
        pytest.param("a b" * 78, 234, id="spaces become underscores"),
    ],
)
def test_a_topic_name_too_long_for_a_file_name_is_a_config_error(
    name: str, size: int, cli: Cli, tmp_path: Path, fake_arxiv: FakeArxiv
) -> None:
    config = write(
        tmp_path,
        f'category: {{cs.CL: x}}\ntopic:\n  LLM:\n    keywords: [LLM]\n  "{name}":\n    keywords: [model]\n',
    )
    out = tmp_path / "out"
    for args in (("check", "--config", config), ("run", "--config", config, "--out", out)):
        result = cli(*args)
        assert result.exit_code == 2, result.err
        assert f"{config}:5: topic.{name}: the topic name is too long to name a file after" in result.err
        assert f"takes {size} bytes, and file systems allow {NAME_MAX_BYTES}" in result.err
    assert not out.exists() and fake_arxiv.requests == []


def test_the_longest_allowed_topic_name_publishes_every_page_and_part(
    arxiv_env: FakeArxiv, cli: Cli, tmp_path: Path
) -> None:
    name = "é" * (MAX_SLUG_BYTES // 2)  # two bytes each in UTF-8
    config = write(
        tmp_path,
        "category: {cs.CL: x, cs.AI: y}\nmax_page_bytes: 10000\n"
        f"topic:\n  {name}:\n    keywords: [model]\n",
    )
    out = tmp_path / "out"
    result = cli("run", "--config", config, "--out", out)
    assert result.exit_code == 0, result.err
    names = {Path(p).name for p in tree_state(out) if name in p}
    assert f"{name}.md" in names and f"{name}-2.md" in names and f"{name}.html" in names  # parts too
    assert f"{name}.xml" in names
    assert max(len(n.encode()) for n in names) <= NAME_MAX_BYTES
    rerun = cli("run", "--config", config, "--out", out)
    assert rerun.exit_code == 0 and "nothing changed" in rerun.out
