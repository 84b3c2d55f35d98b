"""The command line ``python -m lossmetrics score``: same values as the functions.

Every run is a subprocess started in an empty directory, so that the
installed package is imported; its value is compared with the Python
function called here on the same arrays: exactly when the CLI calls the
function, within 1 ulp when it feeds an Accumulator in chunks (forced on small
files through LOSSMETRICS_CLI_CHUNK_ROWS).  Every failure must be one line on
stderr, without a traceback.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import lossmetrics as lm
from loss_cases import CASES, ROW_ARRAYS, call

N = 60


def start(cwd, *args, chunk_rows=None):
    """``python -m lossmetrics ARGS`` started in ``cwd``; ``chunk_rows`` forces chunks."""
    environ = dict(os.environ)
    environ.pop("LOSSMETRICS_CLI_CHUNK_ROWS", None)
    if chunk_rows is not None:
        environ["LOSSMETRICS_CLI_CHUNK_ROWS"] = str(chunk_rows)
    return subprocess.Popen([sys.executable, "-m", "lossmetrics", *map(str, args)],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=environ)


def finish(process):
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run(cwd, *args, chunk_rows=None):
    return finish(start(cwd, *args, chunk_rows=chunk_rows))


def value(result):
    """The printed value: a float, or an array for several values."""
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout  # stdout holds the value only
    values = [float(v) for v in lines[0].split()]
    return values[0] if len(values) == 1 else np.array(values)


def assert_fails(result, *words):
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lossmetrics score: error: "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert result.stdout == ""
    return lines[0]


def assert_within_ulp(got, want):
    for g, w in zip(np.ravel(got), np.ravel(want)):
        assert abs(g - w) <= math.ulp(w), (g, w)


def save_csv(path, arr, header=None):
    arr = np.asarray(arr)
    fmt = "%s" if arr.dtype.kind in "OUS" else ("%d" if arr.dtype.kind in "iub" else "%.17g")
    np.savetxt(path, arr, delimiter=",", fmt=fmt, header=header or "", comments="")
    return path


def option_flags(kwargs):
    """The CLI flags of a loss's keyword options (files excluded)."""
    flags = []
    for name, v in kwargs.items():
        if name in ROW_ARRAYS:
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(v, bool):
            flags.append(flag if v else "--no-" + name.replace("_", "-"))
        elif np.ndim(v):
            flags += [flag, *(repr(float(x)) for x in np.ravel(v))]
        else:
            flags += [flag, repr(v)]
    return flags


def case_files(tmp_path, case, dtype=np.float64, seed=0):
    """Inputs of a loss case (tests/loss_cases.py) saved as .npy files."""
    y, pred, kwargs = CASES[case].make(np.random.default_rng(seed), N, dtype)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "pred.npy", pred)
    args = ["--y-true", "y.npy", "--y-pred", "pred.npy", *option_flags(kwargs)]
    for name in ROW_ARRAYS:
        if name in kwargs:
            np.save(tmp_path / f"{name}.npy", kwargs[name])
            args += ["--" + name.replace("_", "-"), f"{name}.npy"]
    return y, pred, kwargs, args


# ---------------------------------------------------------------- every loss
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_loss_equals_its_function_whole_and_in_chunks(tmp_path, case):
    # Whole: the function is called, the value is the same to the last bit.
    # In chunks of 7 rows (an Accumulator; some chunks miss classes, so
    # log_loss and brier_score_loss find the labels first), within 1 ulp,
    # with the progress bar forced.  Both run at once.
    y, pred, kwargs, args = case_files(tmp_path, case)
    want = call(lm, case, y, pred, kwargs)
    whole = start(tmp_path, "score", CASES[case].name, *args)
    chunks = start(tmp_path, "score", CASES[case].name, *args, "--progress", chunk_rows=7)
    assert value(finish(whole)) == want
    result = finish(chunks)
    assert_within_ulp(value(result), want)
    assert "100%" in result.stderr and "Traceback" not in result.stderr


# -------------------------------------------------------------- file formats
@pytest.fixture
def labelled(tmp_path):
    rng = np.random.default_rng(2)
    names = np.array(["cat", "dog", "eel"])
    y = names[rng.integers(0, 3, N)]
    y[:3] = names  # every class present
    proba = rng.dirichlet(np.ones(3), N)
    weight = rng.uniform(0, 2, N)
    return y, proba, weight


def test_csv_with_and_without_header_parquet_and_string_labels(tmp_path, labelled):
    y, proba, weight = labelled
    want = lm.log_loss(y, proba)
    pd.DataFrame({"label": y}).to_csv(tmp_path / "y_head.csv", index=False)
    save_csv(tmp_path / "y.csv", y)
    save_csv(tmp_path / "p.csv", proba)
    save_csv(tmp_path / "p_head.csv", proba, header="cat,dog,eel")
    pd.DataFrame(proba, columns=["cat", "dog", "eel"]).to_parquet(tmp_path / "p.parquet")
    pd.DataFrame({"label": y}).to_parquet(tmp_path / "y.parquet")
    for y_file, p_file in [("y_head.csv", "p.csv"), ("y.csv", "p_head.csv"),
                           ("y.parquet", "p.parquet"), ("y.csv", "p.parquet")]:
        got = value(run(tmp_path, "score", "log_loss", "--y-true", y_file, "--y-pred", p_file))
        assert got == want, (y_file, p_file)
    # Labels named on the command line, sample weights from a CSV with a header.
    pd.DataFrame({"w": weight}).to_csv(tmp_path / "w.csv", index=False)
    got = value(run(tmp_path, "score", "brier_score_loss", "--y-true", "y.csv", "--y-pred",
                    "p.parquet", "--labels", "cat", "dog", "eel", "--sample-weight", "w.csv",
                    "--scale-by-half", "true"))
    assert got == lm.brier_score_loss(y, proba, labels=["cat", "dog", "eel"],
                                      sample_weight=weight, scale_by_half=True)


def test_binary_string_labels_pos_label_and_no_normalize(tmp_path, labelled):
    y, proba, weight = labelled
    yb = np.where(y == "cat", "cat", "dog")
    save_csv(tmp_path / "y.csv", yb)
    save_csv(tmp_path / "p.csv", proba[:, 0])
    got = value(run(tmp_path, "score", "brier_score_loss", "--y-true", "y.csv", "--y-pred",
                    "p.csv", "--pos-label", "cat"))
    assert got == lm.brier_score_loss(yb, proba[:, 0], pos_label="cat")
    np.save(tmp_path / "w.npy", weight)
    got = value(run(tmp_path, "score", "log_loss", "--y-true", "y.csv", "--y-pred", "p.csv",
                    "--no-normalize", "--sample-weight", "w.npy"))
    assert got == lm.log_loss(yb, proba[:, 0], normalize=False, sample_weight=weight)


def test_numeric_csv_header_int_labels_and_json(tmp_path):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, N)
    logits = rng.normal(size=(N, 4)) * 3
    save_csv(tmp_path / "y.csv", y, header="target")
    save_csv(tmp_path / "z.csv", logits)
    result = run(tmp_path, "score", "cross_entropy", "--y-true", "y.csv", "--y-pred", "z.csv",
                 "--class-weight", "1", "2", "0.5", "1", "--ignore-index", "3",
                 "--label-smoothing", "0.05", "--reduction", "sum", "--n-threads", "1",
                 "--format", "json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record == {
        "metric": "cross_entropy", "n_samples": N,
        "value": lm.cross_entropy(y, logits, class_weight=[1, 2, 0.5, 1], ignore_index=3,
                                  label_smoothing=0.05, reduction="sum"),
        "options": {"class_weight": [1.0, 2.0, 0.5, 1.0], "ignore_index": 3,
                    "label_smoothing": 0.05, "reduction": "sum"}}


@pytest.mark.parametrize("where", ["y.csv", "p.csv"])
def test_a_blank_csv_line_is_a_missing_value(tmp_path, where):
    # NumPy's loadtxt skips blank lines: labels and predictions were paired
    # wrongly when one file had a blank line, and a value was printed.
    (tmp_path / "y.csv").write_text("0\n1\n1\n0\n1\n")
    (tmp_path / "p.csv").write_text("0.1\n0.8\n0.7\n0.4\n0.9\n")
    path = tmp_path / where
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:2] + [""] + lines[2:4]) + "\n")   # as many lines
    result = run(tmp_path, "score", "log_loss", "--y-true", "y.csv", "--y-pred", "p.csv")
    assert result.returncode == 1
    assert_fails(result, where, "line 3 is blank", "missing value")


def test_labels_may_be_separated_by_commas(tmp_path):
    # "--labels 0,1" said "the labels must be numbers".
    (tmp_path / "y.csv").write_text("0\n1\n1\n0\n")
    np.save(tmp_path / "p.npy", np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.3, 0.6, 0.1],
                                          [0.5, 0.4, 0.1]]))
    want = lm.log_loss([0, 1, 1, 0], np.load(tmp_path / "p.npy"), labels=[0, 1, 2])
    for labels in (["0,1,2"], ["0,", "1,2"], ["0", "1", "2"]):
        got = value(run(tmp_path, "score", "log_loss", "--y-true", "y.csv", "--y-pred",
                        "p.npy", "--labels", *labels))
        assert got == want


def test_csv_may_end_with_one_line_break(tmp_path):
    (tmp_path / "y.csv").write_text("0\n1\n1\n0")
    (tmp_path / "p.csv").write_text("0.1\n0.8\n0.7\n0.4\n")
    got = value(run(tmp_path, "score", "log_loss", "--y-true", "y.csv", "--y-pred", "p.csv"))
    assert got == lm.log_loss([0, 1, 1, 0], [0.1, 0.8, 0.7, 0.4])


def test_multioutput_raw_values_weights_and_float32(tmp_path):
    rng = np.random.default_rng(4)
    y = rng.normal(size=(N, 3))
    pred = (y + rng.normal(size=(N, 3))).astype(np.float32)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", pred)
    pd.DataFrame(y, columns=list("abc")).to_parquet(tmp_path / "y.parquet")
    got = value(run(tmp_path, "score", "mean_absolute_error", "--y-true", "y.parquet",
                    "--y-pred", "p.npy", "--multioutput", "raw_values"))
    want = lm.mean_absolute_error(y, pred, multioutput="raw_values")
    assert want.shape == (3,) and np.array_equal(got, want)
    got = value(run(tmp_path, "score", "root_mean_squared_error", "--y-true", "y.npy",
                    "--y-pred", "p.npy", "--multioutput", "1", "0", "3"))
    assert got == lm.root_mean_squared_error(y, pred, multioutput=[1.0, 0.0, 3.0])


def test_kl_log_inputs_and_pos_weight(tmp_path):
    rng = np.random.default_rng(5)
    p, q = rng.dirichlet(np.ones(4), N), rng.dirichlet(np.ones(4), N)
    np.save(tmp_path / "lp.npy", np.log(p))
    np.save(tmp_path / "lq.npy", np.log(q))
    got = value(run(tmp_path, "score", "kl_divergence", "--y-true", "lp.npy", "--y-pred",
                    "lq.npy", "--log-true", "--log-pred", "--reduction", "sum"))
    assert got == lm.kl_divergence(np.log(p), np.log(q), log_true=True, log_pred=True,
                                   reduction="sum")
    t = (rng.random((N, 2)) < 0.3).astype(np.float64)
    save_csv(tmp_path / "t.csv", t, header="a,b")
    np.save(tmp_path / "z.npy", rng.normal(size=(N, 2)))
    z = np.load(tmp_path / "z.npy")
    got = value(run(tmp_path, "score", "binary_cross_entropy_with_logits", "--y-true",
                    "t.csv", "--y-pred", "z.npy", "--pos-weight", "2.5"))
    assert got == lm.binary_cross_entropy_with_logits(t, z, pos_weight=2.5)


def test_chunks_with_labels_to_infer_zero_weight_chunks_and_raw_values(tmp_path, labelled):
    y, proba, weight = labelled
    weight[:20] = 0.0  # whole chunks of zero weight
    save_csv(tmp_path / "y.csv", y)
    np.save(tmp_path / "p.npy", proba)
    np.save(tmp_path / "w.npy", weight)
    result = run(tmp_path, "score", "log_loss", "--y-true", "y.csv", "--y-pred", "p.npy",
                 "--sample-weight", "w.npy", chunk_rows=5)  # chunked: bar by default
    assert_within_ulp(value(result), lm.log_loss(y, proba, sample_weight=weight))
    assert "100%" in result.stderr
    yr = proba + np.arange(3)
    np.save(tmp_path / "yr.npy", yr)
    result = run(tmp_path, "score", "mean_squared_error", "--y-true", "yr.npy", "--y-pred",
                 "p.npy", "--multioutput", "raw_values", "--no-progress", chunk_rows=9)
    assert_within_ulp(value(result), lm.mean_squared_error(yr, proba,
                                                           multioutput="raw_values"))
    assert result.stderr == ""  # no bar


def test_progress_is_forced_on_small_inputs_and_stdout_stays_clean(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(5.0))
    result = run(tmp_path, "score", "mean_squared_error", "--y-true", "a.npy", "--y-pred",
                 "a.npy", "--progress")
    assert value(result) == 0.0
    assert "100%" in result.stderr
    result = run(tmp_path, "score", "huber_loss", "--y-true", "a.npy", "--y-pred", "a.npy",
                 "--delta", "0.5")
    assert value(result) == 0.0 and result.stderr == ""


# ------------------------------------------------------------------ failures
@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(6)
    np.save(tmp_path / "y.npy", rng.integers(0, 3, N))
    np.save(tmp_path / "p.npy", rng.dirichlet(np.ones(3), N))
    np.save(tmp_path / "short.npy", rng.dirichlet(np.ones(3), N - 1))
    np.save(tmp_path / "bad.npy", np.full((N, 3), 1.5))
    np.save(tmp_path / "empty.npy", np.empty((0, 3)))
    (tmp_path / "corrupt.npy").write_bytes(b"\x93NUMPY garbage" * 10)
    (tmp_path / "corrupt.parquet").write_bytes(b"PAR1 not really parquet")
    (tmp_path / "p.txt").write_text("0.5\n")
    save_csv(tmp_path / "mixed.csv", np.array([["0.5", "0.5"], ["0.5", "x"]]))
    pd.DataFrame({"a": [0.5] * N}).to_parquet(tmp_path / "p.parquet")
    return tmp_path


@pytest.mark.parametrize("args, words", [
    (["log_loss", "--y-true", "y.npy", "--y-pred", "missing.npy"],
     ["missing.npy", "no such file"]),
    (["log_loss", "--y-true", "y.npy", "--y-pred", "corrupt.npy"],
     ["corrupt.npy", "cannot read"]),
    (["log_loss", "--y-true", "y.npy", "--y-pred", "corrupt.parquet"],
     ["corrupt.parquet", "cannot read"]),
    (["log_loss", "--y-true", "y.npy", "--y-pred", "p.txt"],
     ["p.txt", "unsupported file type '.txt'", ".npy, .csv, .parquet"]),
    (["log_los", "--y-true", "y.npy", "--y-pred", "p.npy"],
     ["unknown metric 'log_los'", "did you mean log_loss"] + sorted(lm.LOSSES)),
    (["log_loss", "--y-true", "y.npy", "--y-pred", "bad.npy"],
     ["y_prob contains values greater than 1", "y_proba at index (0, 0)"]),
    (["cross_entropy", "--y-true", "y.npy", "--y-pred", "p.npy", "--class-weight", "1", "2"],
     ["class_weight"]),
    (["log_loss", "--y-true", "empty.npy", "--y-pred", "empty.npy"],
     ["y_proba is empty"]),
    (["log_loss", "--y-true", "y.npy", "--y-pred", "short.npy"],
     ["--y-true y.npy has 60 rows but --y-pred short.npy has 59"]),
    (["log_loss", "--y-true", "y.npy", "--y-pred", "mixed.csv"],
     ["mixed.csv", "'x' in line 2, column 2 is not a number"]),
    (["log_loss", "--y-true", "y.npy", "--y-pred", "p.npy", "--delta", "2"],
     ["--delta is not an option of log_loss", "--normalize, --labels"]),
    (["nll_loss", "--y-true", "y.npy", "--y-pred", "p.npy", "--reduction", "none"],
     ["--reduction none", "reduction='none'"]),
    (["cosine_embedding_loss", "--y-true", "y.npy", "--y-pred", "p.npy"],
     ["cosine_embedding_loss needs --x2 FILE"]),
    (["log_loss", "--y-true", "y.npy", "--y-pred", "p.npy", "--labels", "0", "one", "2"],
     ["--labels 0 one 2", "must be numbers"]),
    (["log_loss", "--y-true", "y.npy", "--y-pred", "p.npy", "--bogus"],
     ["unrecognized arguments: --bogus"]),
    (["mean_squared_error", "--y-true", "y.npy", "--y-pred", "p.npy", "--multioutput", "x"],
     ["--multioutput takes raw_values, uniform_average, variance_weighted or one weight "
          "per output"]),
])
def test_failures_are_one_line_without_traceback(files, args, words):
    assert_fails(run(files, "score", *args), *words)


@pytest.mark.parametrize("metric, y_pred, extra, status", [
    ("log_loss", "p.npy", ["--n-threads", "0"], 2),   # a usage error, as a bad option is
    ("log_loss", "p.npy", ["--n-threads", "x"], 2),
    ("nll_loss", "p.npy", ["--reduction", "none"], 2),
    ("log_loss", "missing.npy", [], 1),               # a file that cannot be read
    ("log_loss", "bad.npy", [], 1),                   # data the loss rejects
])
def test_exit_status_says_whose_mistake(files, metric, y_pred, extra, status):
    # cli.md: 2 for a wrong command line, 1 for files and data.
    result = run(files, "score", metric, "--y-true", "y.npy", "--y-pred", y_pred, *extra)
    assert result.returncode == status, result.stderr
    assert_fails(result)


def test_help_offers_what_the_command_takes(files):
    help_text = run(files, "score", "--help").stdout
    assert "--reduction {mean,sum}" in help_text and "'none'" not in help_text


def test_failures_in_chunks_and_missing_pyarrow(files):
    # In chunks, an error names the rows of its chunk.
    line = assert_fails(run(files, "score", "log_loss", "--y-true", "y.npy", "--y-pred",
                            "bad.npy", "--no-progress", chunk_rows=7),
                        "y_prob contains values greater than 1")
    assert "in rows 0 to 6" in line
    # The label set checked as the function checks it: 3 classes, 1 column.
    assert_fails(run(files, "score", "log_loss", "--y-true", "y.npy", "--y-pred",
                     "p.parquet", "--no-progress", chunk_rows=7),
                 "y_true and y_prob contain different number of classes")
    # pyarrow shadowed by a package that cannot be imported (cwd comes first on sys.path).
    (files / "pyarrow").mkdir()
    (files / "pyarrow" / "__init__.py").write_text("raise ImportError('no pyarrow')\n")
    assert_fails(run(files, "score", "log_loss", "--y-true", "y.npy", "--y-pred", "p.parquet"),
                 "p.parquet", "pip install pyarrow")
    assert_fails(run(files, "score", "log_loss", "--y-true", "y.npy", "--y-pred", "p.npy",
                     chunk_rows="many"), "LOSSMETRICS_CLI_CHUNK_ROWS")


def test_pandas_default_header_warns_and_hints(tmp_path):
    # pandas names unnamed columns 0, 1, ...: a first row of numbers, read as data
    # (with a warning for floats); a length off by one says so.
    rng = np.random.default_rng(7)
    y, pred = rng.normal(size=N), rng.normal(size=(N, 2))
    save_csv(tmp_path / "y.csv", y)
    pd.DataFrame(pred).to_csv(tmp_path / "p.csv", index=False)
    result = run(tmp_path, "score", "mean_squared_error", "--y-true", "y.csv", "--y-pred",
                 "p.csv")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    warning, error = result.stderr.strip().splitlines()
    assert warning == ("lossmetrics score: warning: p.csv: the first row, 0,1, is read as "
                       "data; if it names the columns (pandas writes 0,1,... for unnamed "
                       "ones), remove it or name the columns.")
    assert error.startswith("lossmetrics score: error: --y-true y.csv has 60 rows but "
                            "--y-pred p.csv has 61")
    assert "pandas writes 0,1,..." in error


# ------------------------------------------------------------ help and demo
def test_help_lists_commands_metrics_and_options(tmp_path):
    result = run(tmp_path, "--help")
    assert result.returncode == 0 and "score" in result.stdout and "demo" in result.stdout
    result = run(tmp_path, "score", "--help")
    assert result.returncode == 0
    for name, spec in lm.LOSSES.items():
        assert name in result.stdout
        for option in spec.option_names:
            assert "--" + option.replace("_", "-") in result.stdout


def test_no_command_and_demo_run_the_demo():
    from lossmetrics._adapters import cli as _cli

    calls = []
    assert _cli.main([], demo=lambda argv: calls.append(argv) or 0) == 0
    assert _cli.main(["demo"], demo=lambda argv: calls.append(argv) or 0) == 0
    assert calls == [[], []]


def test_options_come_from_the_registry(monkeypatch, tmp_path, capsys):
    # A loss with an option the CLI has never heard of gets --name VALUE (a literal).
    import dataclasses

    from lossmetrics import _losses as _registry
    from lossmetrics._adapters import cli as _cli

    def fake(y_true, y_pred, *, sample_weight=None, n_threads=None, exponent=1):
        return float(np.sum((np.asarray(y_true) - np.asarray(y_pred)) ** exponent))

    spec = dataclasses.replace(_registry.LOSSES["huber_loss"], name="fake_loss",
                               function=fake, options=("exponent",))
    monkeypatch.setitem(_registry.LOSSES, "fake_loss", spec)
    np.save(tmp_path / "a.npy", np.array([1.0, 2.0]))
    np.save(tmp_path / "b.npy", np.array([0.0, 0.0]))
    monkeypatch.chdir(tmp_path)
    assert _cli.main(["score", "fake_loss", "--y-true", "a.npy", "--y-pred", "b.npy",
                      "--exponent", "3"]) == 0
    assert capsys.readouterr().out == "9.0\n"


def test_groups_print_every_groups_loss(tmp_path):
    rng = np.random.default_rng(21)
    y = rng.integers(0, 3, 300)
    proba = rng.dirichlet(np.ones(3), 300)
    region = rng.choice(["north", "south", "east"], 300)
    region[:5] = "west"
    w = rng.uniform(0, 2, 300)
    w[:5] = 0.0      # the group "west" is undefined: NaN, with a warning on stderr
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", proba)
    np.save(tmp_path / "w.npy", w)
    save_csv(tmp_path / "g.csv", region.astype(object), header="region")
    with pytest.warns(lm.GroupWarning):
        keys, want = lm.grouped("log_loss", y, proba, region, sample_weight=w)
    result = run(tmp_path, "score", "log_loss", "--y-true", "y.npy", "--y-pred", "p.npy",
                 "--sample-weight", "w.npy", "--groups", "g.csv")
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert [line[0] for line in lines] == keys.tolist() == ["east", "north", "south", "west"]
    np.testing.assert_array_equal([float(line[1]) for line in lines], want)
    assert "warning: log_loss is undefined on 1 group(s)" in result.stderr
    assert "'west'" in result.stderr
    result = run(tmp_path, "score", "log_loss", "--y-true", "y.npy", "--y-pred", "p.npy",
                 "--groups", "g.csv", "--format", "json")
    record = json.loads(result.stdout)
    assert record["groups"] == keys.tolist()
    assert record["values"] == lm.grouped("log_loss", y, proba, region)[1].tolist()
    assert_fails(run(tmp_path, "score", "log_loss", "--y-true", "y.npy", "--y-pred",
                     "p.npy", "--groups", save_csv(tmp_path / "short.csv", y[:7])),
                 "--groups")
