"""The demo command runs, and every public docstring example runs."""
import doctest
import importlib
import os
import pkgutil
import subprocess
import sys

import pytest

import lossmetrics

# Every module of the package and its subpackages, but the compiled kernels.
MODULES = ["lossmetrics"] + sorted(
    m.name for m in pkgutil.walk_packages(lossmetrics.__path__, "lossmetrics.")
    if not m.name.startswith("lossmetrics._kernels._"))


def test_demo_runs_and_agrees_with_references(tmp_path):
    # Run from an empty directory so the installed package is imported.
    result = subprocess.run([sys.executable, "-m", "lossmetrics"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, PYTHONWARNINGS="error::RuntimeWarning"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in lossmetrics.__all__:
        if name in lossmetrics.LOSSES:
            assert name in out
    last = [line for line in out.splitlines() if "largest relative difference" in line]
    assert last, out
    assert float(last[0].split(":")[1]) < 1e-12


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(mod, module) if t.examples]
    for test in tests:
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} docstring example(s) failed in {module}"


def test_every_public_function_has_examples():
    # Functions and classes alike (Accumulator, CheckedInputs, InvalidParameterError).
    for name in lossmetrics.__all__:
        obj = getattr(lossmetrics, name)
        if callable(obj):
            assert obj.__doc__ and "Examples" in obj.__doc__, name


def test_every_module_with_public_objects_is_doctested():
    # Where the public objects live: their modules are among MODULES, and hold
    # examples.
    homes = {getattr(lossmetrics, name).__module__ for name in lossmetrics.__all__
             if callable(getattr(lossmetrics, name))}
    assert homes <= set(MODULES), homes - set(MODULES)


def test_every_declared_loss_is_exported():
    for name, loss in lossmetrics.LOSSES.items():
        assert name in lossmetrics.__all__ and getattr(lossmetrics, name) is loss.function
