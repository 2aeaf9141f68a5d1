"""The package's shape, read from the source with ``ast`` (nothing is imported): dependencies point one way
through the layers below, no cycle between parts, no module over 400 lines, no function over 80 (issue #8).

A *part* is a top-level package or module of ``arxiv_digest`` (``render``, ``models``, ``errors`` ...).
Within a part anything goes, except in ``jobs``: a job never imports another public job (what two jobs
share lives in a private ``jobs/_x.py``). The package root (``__init__``, ``__main__``) is aside: anyone
may import ``PROJECT_URL`` or ``__version__`` from it. Imports under ``if TYPE_CHECKING:`` count: a type
named is a dependency too.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "arxiv_digest"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE

#: Top first; a part imports only parts of a lower row. Parts of one row are siblings: they meet in the rows
#: below (``models``'s plain values, ``output``'s layout map), never in each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("jobs",),
    ("sources", "store", "match", "rank", "render", "notify", "summarize"),
    ("config", "output"),
    ("query", "net", "facts"),
    ("models", "taxonomy", "wording", "text", "languages"),
    ("errors",),
)
ROOT_PARTS = ("__init__", "__main__")

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80

#: Modules and functions allowed over the limits, each by name (``cli/history.py``, ``jobs/status.py:
#: read_status``). As with KNOWN_EDGES, an entry back within the limit fails the test.
KNOWN_LONG_MODULES: frozenset[str] = frozenset()
KNOWN_LONG_FUNCTIONS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Import:
    file: str  # the importing file, from src/: "arxiv_digest/notify/email.py"
    line: int
    source: str  # dotted module name without the package prefix: "notify.email"
    target: str  # likewise: "render.markdown", or "" for the package root


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def part_of(module: str) -> str:
    return module.split(".", 1)[0] if module else "__init__"


def source_files(src: Path = SRC) -> list[Path]:
    return sorted(src.rglob("*.py"))


def imports_of(path: Path, modules: set[str], src: Path) -> Iterator[Import]:
    """Every import of the package from one file, resolved to the module it names (``from . import x``
    names the submodule ``x`` when there is one)."""
    source = module_name(path, src)
    file = path.relative_to(src.parent).as_posix()
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    yield Import(file, node.lineno, source, alias.name.removeprefix(PACKAGE).lstrip("."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *([node.module] if node.module else [])])
            elif node.module and (node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
                target = node.module.removeprefix(PACKAGE).lstrip(".")
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}" if target else alias.name
                yield Import(file, node.lineno, source, sub if sub in modules else target)


def all_imports(src: Path = SRC) -> list[Import]:
    files = source_files(src)
    modules = {module_name(f, src) for f in files}
    return [imp for f in files for imp in imports_of(f, modules, src)]


def layer_of(part: str) -> int:
    for index, row in enumerate(LAYERS):
        if part in row:
            return index
    raise KeyError(part)


def where(imp: Import) -> str:
    return f"{imp.file}:{imp.line}"


def rule_breaks(imports: list[Import]) -> list[str]:
    """Each import against the layer table, as ``file:line: what``."""
    out = []
    for imp in imports:
        src, dst = part_of(imp.source), part_of(imp.target)
        if src in ROOT_PARTS or dst == "__init__":
            continue
        if src == dst:
            if src == "jobs" and _imports_public_job(imp):
                out.append(
                    f"{where(imp)}: job {imp.source} imports job {imp.target}: jobs never import one another;"
                    " move what they share into a private jobs/_x.py"
                )
            continue
        if src not in LAYERS_FLAT or dst not in LAYERS_FLAT:
            unknown = src if src not in LAYERS_FLAT else dst
            out.append(f"{where(imp)}: part {unknown!r} is in no layer: add it to LAYERS in this test")
            continue
        if layer_of(dst) == layer_of(src):
            out.append(
                f"{where(imp)}: {imp.source} imports {imp.target}: sideways ({src} and {dst} are siblings;"
                " they meet in models or output)"
            )
        elif layer_of(dst) < layer_of(src):
            out.append(f"{where(imp)}: {imp.source} imports {imp.target}: upward ({dst} is above {src})")
    return out


LAYERS_FLAT = frozenset(p for row in LAYERS for p in row)


def _imports_public_job(imp: Import) -> bool:
    if imp.source == "jobs":  # the package's __init__ may export what its modules define
        return False
    name = imp.target.split(".")[1] if "." in imp.target else ""
    own = imp.source.split(".")[1]
    return bool(name) and not name.startswith("_") and name != own


def part_graph(imports: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        src, dst = part_of(imp.source), part_of(imp.target)
        if src != dst and src not in ROOT_PARTS and dst not in ROOT_PARTS:
            graph[src].add(dst)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as its parts in order (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def depth(graph: dict[str, set[str]]) -> int:
    memo: dict[str, int] = {}

    def d(node: str) -> int:
        if node not in memo:
            memo[node] = 1 + max((d(n) for n in graph.get(node, ())), default=0)
        return memo[node]

    return max((d(n) for n in graph), default=0)


# -- the rules ---------------------------------------------------------------------------------------------


def test_imports_point_down_the_layers() -> None:
    breaks = rule_breaks(all_imports())
    assert not breaks, "imports against the layering (tests/test_architecture.py LAYERS):\n" + "\n".join(
        breaks
    )


def test_no_cycle_between_parts() -> None:
    imports = all_imports()
    cycle = find_cycle(part_graph(imports))
    assert cycle is None, (
        "package-level import cycle: "
        + " -> ".join(cycle or [])
        + "\n"
        + "\n".join(_cycle_edges(imports, cycle or []))
    )


def _cycle_edges(imports: list[Import], cycle: list[str]) -> list[str]:
    """For each step of a cycle, the first import that makes it."""
    out = []
    for a, b in itertools.pairwise(cycle):
        imp = next(i for i in imports if part_of(i.source) == a and part_of(i.target) == b)
        out.append(f"{where(imp)}: {imp.source} imports {imp.target}")
    return out


def test_the_graph_is_no_deeper_than_the_layers() -> None:
    assert depth(part_graph(all_imports())) <= len(LAYERS)


def _long_functions() -> Iterator[tuple[str, str, int]]:
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    rel = path.relative_to(SRC).as_posix()
                    yield f"{rel}:{node.name}", f"{path.relative_to(SRC.parent)}:{node.lineno}", lines


def _long_modules() -> Iterator[tuple[str, int]]:
    for path in source_files():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            yield path.relative_to(SRC).as_posix(), lines


def test_no_module_over_400_lines() -> None:
    over = {name: lines for name, lines in _long_modules()}
    new = [f"{PACKAGE}/{n}: {over[n]} lines" for n in sorted(set(over) - KNOWN_LONG_MODULES)]
    assert not new, f"modules over {MAX_MODULE_LINES} lines (split along a seam you can name):\n" + "\n".join(
        new
    )
    back = sorted(KNOWN_LONG_MODULES - set(over))
    assert not back, f"within the limit now, delete from KNOWN_LONG_MODULES: {back}"


def test_no_function_over_80_lines() -> None:
    over = {name: (at, lines) for name, at, lines in _long_functions()}
    new = [
        f"{over[n][0]}: {n.split(':')[1]} is {over[n][1]} lines"
        for n in sorted(set(over) - KNOWN_LONG_FUNCTIONS)
    ]
    assert not new, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(new)
    back = sorted(KNOWN_LONG_FUNCTIONS - set(over))
    assert not back, f"within the limit now, delete from KNOWN_LONG_FUNCTIONS: {back}"


_EXCEPTION_BASE = re.compile(r"(?:Error|Exception|Failed|Failure|Exceeded|GaveUp)$")


def _exception_classes() -> Iterator[tuple[str, str, int]]:
    """Every class of src/ that derives from an exception, by name, file and line."""
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
                if any(_EXCEPTION_BASE.search(b) for b in bases):
                    yield node.name, path.relative_to(SRC.parent).as_posix(), node.lineno


def test_every_exception_is_drawn_in_errors_py() -> None:
    """errors.py defines the exception tree; one defined elsewhere (it must be, e.g. a jinja2 error) is
    drawn in errors.py's docstring, so the tree there is the whole of it."""
    errors_py = SRC / "errors.py"
    drawn = ast.get_docstring(ast.parse(errors_py.read_text(encoding="utf-8"))) or ""
    outside = [
        f"{file}:{line}: {name}"
        for name, file, line in _exception_classes()
        if file != f"{PACKAGE}/errors.py" and not re.search(rf"\b{re.escape(name)}\b", drawn)
    ]
    assert not outside, "exceptions neither in errors.py nor drawn in its docstring:\n" + "\n".join(outside)


# -- the checker itself, on small made-up trees ------------------------------------------------------------


def _fake_imports(tmp: Path, files: dict[str, str]) -> list[Import]:
    src = tmp / PACKAGE
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    return all_imports(src)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"render/site.py": "from ..match import digest\n", "match/digest.py": ""}, "sideways"),
        ({"models/x.py": "from ..config import Config\n", "config/__init__.py": ""}, "upward"),
        ({"errors.py": "import arxiv_digest.models\n", "models/__init__.py": ""}, "upward"),
        ({"jobs/rebuild.py": "from .daily import stage_day\n", "jobs/daily.py": ""}, "jobs never import"),
        ({"jobs/backfill.py": "from . import rebuild\n", "jobs/rebuild.py": ""}, "jobs never import"),
        ({"gadgets/x.py": "from ..models import Paper\n", "models/__init__.py": ""}, "in no layer"),
    ],
)
def test_the_checker_names_file_line_and_both_parts(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    imports = _fake_imports(tmp_path, files)
    (found,) = rule_breaks(imports)
    assert expected in found
    importer = next(iter(files))
    assert found.startswith(f"{PACKAGE}/{importer}:1: ")


def test_the_checker_allows_what_the_rule_allows(tmp_path: Path) -> None:
    files = {
        "jobs/daily.py": (
            "from ._publish import stage_day\nfrom ..render import site\nfrom .. import PROJECT_URL\n"
        ),
        "jobs/_publish.py": "from ..models import Digest\nfrom ..output import files\n",
        "render/site.py": "from .escape import url_path\nfrom ..config import Config\n",
        "render/escape.py": "",
        "__init__.py": "from .cli import main\n",
    }
    imports = _fake_imports(tmp_path, files)
    assert rule_breaks(imports) == []


def test_a_cycle_is_found_and_drawn(tmp_path: Path) -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None
    imports = _fake_imports(
        tmp_path,
        {
            "config/__init__.py": "",
            "config/parse.py": "from ..match import words\n",
            "match/words.py": "from .. import config\n",
        },
    )
    cycle = find_cycle(part_graph(imports))
    assert cycle == ["config", "match", "config"]
    assert _cycle_edges(imports, cycle) == [
        "arxiv_digest/config/parse.py:1: config.parse imports match.words",
        "arxiv_digest/match/words.py:1: match.words imports config",
    ]
