"""The demo command runs, and every public docstring example runs."""
import doctest
import importlib
import os
import subprocess
import sys

import pytest

import lossmetrics

# Every module that holds a public docstring.
MODULES = ["lossmetrics._accumulator", "lossmetrics._brier", "lossmetrics._classification",
           "lossmetrics._config", "lossmetrics._embedding", "lossmetrics._errors",
           "lossmetrics._regression", "lossmetrics._robust_regression",
           "lossmetrics._scorers", "lossmetrics._simd", "lossmetrics._torch_losses",
           "lossmetrics._validation",
           "lossmetrics.dask"]


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
    assert tests, f"{module} has no docstring examples"
    for test in tests:
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} docstring example(s) failed in {module}"


def test_every_public_function_has_examples():
    # Functions and classes alike (Accumulator, CheckedInputs, InvalidParameterError).
    for name in lossmetrics.__all__:
        obj = getattr(lossmetrics, name)
        if callable(obj):
            assert obj.__doc__ and "Examples" in obj.__doc__, name
