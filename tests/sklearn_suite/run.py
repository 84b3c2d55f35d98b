"""Run scikit-learn's own metric tests with lossmetrics' drop-ins substituted.

    python tests/sklearn_suite/run.py [pytest arguments]

Copies scikit-learn's ``sklearn/metrics/tests/test_regression.py``,
``test_classification.py`` and ``test_common.py`` (of the installed
scikit-learn) into a temporary folder with a ``conftest.py`` that replaces
every scikit-learn metric lossmetrics provides, in ``sklearn.metrics`` and
in the modules that define them, before the tests import them; then runs
pytest there and prints the summary.  The failures are the differences that
lossmetrics has on purpose (see docs/guide/comparison.md) or is missing; the
closing notes of the work on the scikit-learn family report them.

Not a test module itself (the name does not start with ``test_``): it needs
scikit-learn's test dependencies and runs for minutes.
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CONFTEST = '''
import pytest
import sklearn.metrics
import sklearn.metrics._classification
import sklearn.metrics._regression

import lossmetrics

SUBSTITUTED = []
for name in lossmetrics.__all__:
    if name in lossmetrics.LOSSES and hasattr(sklearn.metrics, name):
        ours = getattr(lossmetrics, name)
        setattr(sklearn.metrics, name, ours)
        for module in (sklearn.metrics._regression, sklearn.metrics._classification):
            if hasattr(module, name):
                setattr(module, name, ours)
        SUBSTITUTED.append(name)


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture (its conftest's default seed)."""
    return 42


def pytest_report_header(config):
    return "lossmetrics substituted for: " + ", ".join(SUBSTITUTED)
'''

FILES = ("test_regression.py", "test_classification.py", "test_common.py")


def main(argv):
    import sklearn

    source = Path(sklearn.__file__).parent / "metrics" / "tests"
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for name in FILES:
            shutil.copy(source / name, folder / name)
        (folder / "conftest.py").write_text(CONFTEST)
        return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "-W", "ignore", "-rN", *argv, str(folder)], cwd=folder)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
