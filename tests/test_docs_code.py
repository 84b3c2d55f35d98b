"""Every Python block of the README and the documentation pages runs, and what
it shows is asserted.

Each page's ```python blocks run in order, in one namespace, in an empty
folder (a page is a reader's session).  A top-level expression whose line
ends in a comment showing its result is checked:

- ``expr  # == other``: ``expr == other`` (``other`` evaluated in the same
  namespace);
- ``expr  # 1.4166666666666667`` (a Python literal): ``expr == literal``.

Other comments are prose.  Blocks marked ```text, ```console or ```pycon
are not Python (the docstring examples run in test_demo_and_docs.py).

A block that imports PyTorch (a reader's check against it; PyTorch is not a
test dependency) runs where PyTorch is installed and is only compiled
elsewhere.

The gallery's scripts (docs/examples) also run as a reader who downloads
one runs it: ``python plot_....py`` in an empty folder.
"""
import ast
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

import lossmetrics

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md")) + sorted(
    (ROOT / "docs" / "guide").glob("*.md"))
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("plot_*.py"))
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(page):
    """The page's Python blocks, with the line each starts at."""
    text = page.read_text(encoding="utf-8")
    return [(text[:m.start()].count("\n") + 2, m.group(1)) for m in _BLOCK.finditer(text)]


def _shown_results(source):
    """{line: comment} of the comments that end a line of ``source``."""
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string[1:].strip()
    return comments


def _claim(comment):
    """The source of what a comment says the value is, or None for prose."""
    if comment.startswith("=="):
        return comment[2:].strip()
    try:
        ast.literal_eval(comment)
    except (ValueError, SyntaxError):
        return None
    return comment


OPTIONAL = ("torch",)   # imported by blocks that compare with it


def _needs_missing_optional(tree):
    roots = {alias.name.split(".")[0] for node in ast.walk(tree)
             if isinstance(node, ast.Import) for alias in node.names}
    roots |= {node.module.split(".")[0] for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and node.module}
    return any(importlib.util.find_spec(m) is None for m in roots & set(OPTIONAL))


def run_block(source, namespace, where):
    """Run one block; assert the results its comments show."""
    tree = ast.parse(source, filename=where)
    if _needs_missing_optional(tree):
        compile(tree, where, "exec")
        return
    comments = _shown_results(source)
    for node in tree.body:
        code = ast.Module(body=[node], type_ignores=[])
        claim = _claim(comments.get(node.end_lineno, "")) if isinstance(node, ast.Expr) else None
        if claim is None:
            exec(compile(code, f"{where}+{node.lineno - 1}", "exec"), namespace)
            continue
        got = eval(compile(ast.Expression(node.value), where, "eval"), namespace)
        expected = eval(claim, namespace)
        assert got == expected, (
            f"{where}+{node.lineno - 1}: {ast.unparse(node.value)} gives {got!r}; the "
            f"page shows {claim} ({expected!r})")


def test_every_page_with_code_is_found():
    pages = {p.relative_to(ROOT).as_posix() for p in PAGES if python_blocks(p)}
    assert {"README.md", "docs/errors.md", "docs/guide/accumulator.md",
            "docs/guide/dask.md", "docs/guide/threads.md"} <= pages


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p)],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_page_code_runs_and_shows_true_results(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    # distributed's nanny sets OMP_NUM_THREADS=1 (and more) in this process's
    # environment for its workers (dask.md starts a LocalCluster): restore it.
    environ = dict(os.environ)
    try:
        for line, source in python_blocks(page):
            run_block(source, namespace, f"{page.relative_to(ROOT)}:{line}")
    finally:
        client = namespace.get("client")
        if client is not None and hasattr(client, "close"):
            client.close()
        cluster = namespace.get("cluster")
        if cluster is not None and hasattr(cluster, "close"):
            cluster.close()
        os.environ.clear()
        os.environ.update(environ)
    assert os.getcwd() == str(tmp_path)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_gallery_script_runs_as_a_plain_script(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]


def test_choosing_table_is_current():
    # The table of choosing.md is kept in the page (readable in the sources)
    # and made from the declarations by docs/loss_table.py.
    spec = importlib.util.spec_from_file_location("loss_table", ROOT / "docs" / "loss_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.PAGE.read_text(encoding="utf-8")
    assert module.page_with_table(text) == text, "run python docs/loss_table.py"
    assert all(f"{{func}}`~lossmetrics.{name}` |" in text for name in lossmetrics.LOSSES)


def test_readme_benchmark_figures_are_those_of_results_json():
    # One source for the benchmark figures: benchmarks/results.json, written
    # into the README by benchmarks/readme_table.py.
    spec = importlib.util.spec_from_file_location(
        "readme_table", ROOT / "benchmarks" / "readme_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert module.with_table(text, report) == text, (
        "run python benchmarks/readme_table.py --write README.md")
