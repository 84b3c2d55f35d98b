"""The command line: ``python -m lossmetrics [demo | score ...]``.

``score`` computes one loss of ``lossmetrics.LOSSES`` on arrays stored in
files (see :mod:`lossmetrics._adapters.readers`) and prints its value.  The metric
options are derived from the declarations (``Loss.options``): each option
is spelled as its declaration's ``Option`` says, and is accepted only
for the losses that declare it.

Small inputs are scored by calling the loss function.  Above
``CHUNKED_ABOVE`` elements (or ``LOSSMETRICS_CLI_CHUNK_ROWS`` rows, when
that variable is set) the rows are fed in chunks to a
:class:`lossmetrics.Accumulator`, with a progress bar on stderr: the value
equals the function's within 1 ulp (almost always to the last bit).

Exit status: 0 on success, 1 when a file cannot be read or the loss rejects
the data (or an option's value against the data, such as a class weight per
class), 2 when the command line itself is wrong (an unknown metric or option,
an option's value that is wrong by itself, such as ``--n-threads 0``), 130
when interrupted.  Errors are one line on stderr, without a traceback.
"""
import argparse
import contextlib
import difflib
import json
import os
import sys
import warnings

import numpy as np

from lossmetrics._adapters.accumulator import Accumulator
from lossmetrics._adapters.demo import main as run_demo
from lossmetrics._adapters.grouped import grouped
from lossmetrics._adapters.readers import ReadError, read_array
from lossmetrics._core.threads import resolve_n_threads
from lossmetrics._losses import LOSSES

PROG = "python -m lossmetrics"
CHUNKED_ABOVE = 20_000_000      # elements of the prediction arrays: above, score in chunks
CHUNK_ELEMENTS = 1 << 22        # about 4M elements (32 MB of float64) per chunk
CHUNK_ROWS_ENV = "LOSSMETRICS_CLI_CHUNK_ROWS"


class CLIError(Exception):
    """A one-line message for the user and the exit status."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def _usage_error(message):
    return CLIError(message, status=2)


def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__


class _Parser(argparse.ArgumentParser):
    """argparse, with errors as one line (a CLIError) instead of usage + exit."""

    def error(self, message):
        raise CLIError(message, status=2)


# ------------------------------------------------------------------ options
def _flag(name):
    return "--" + name.replace("_", "-")


def _options():
    """Every option the losses declare, by name, in the order first declared.
    Losses that take an option of one name share its spelling."""
    options = {}
    for loss in LOSSES.values():
        for option in loss.options:
            seen = options.setdefault(option.name, option)
            if seen != option:
                raise AssertionError(f"two spellings of --{option.name}: {seen}, {option}")
    return options


def _argparse_kwargs(option):
    if option.switch == "on":
        return dict(action="store_true")
    if option.switch == "on_off":
        return dict(action=argparse.BooleanOptionalAction)
    kwargs = dict(metavar=option.metavar, nargs=option.nargs, type=option.type,
                  choices=option.choices)
    return {k: v for k, v in kwargs.items() if v is not None}


def _takers(name):
    return [m for m, spec in LOSSES.items() if name in spec.option_names]


def _metric_table():
    width = max(map(len, LOSSES))
    lines = []
    for name, spec in LOSSES.items():
        flags = " ".join(
            f"{_flag(o.name)}/--no-{o.name.replace('_', '-')}" if o.switch == "on_off"
            else _flag(o.name) for o in spec.options)
        lines.append(f"  {name:{width}s}  {spec.prediction}; {flags}")
    return "\n".join(lines)


# ------------------------------------------------------------------- parser
def build_parser():
    parser = _Parser(
        prog=PROG,
        description="Fast, exact loss metrics. Without a command, runs the demo.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "demo", help="fit small models on scikit-learn's datasets and print every "
        "loss next to a reference (the default command)",
        description="Fits small models on digits, breast cancer and diabetes and "
        "prints every loss next to scikit-learn's or a NumPy reference, with timings.")
    score = commands.add_parser(
        "score", help="compute a loss on arrays stored in files",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Compute METRIC on the arrays of --y-true and --y-pred and print its value,\n"
            "the same as the Python function's.\n\n"
            "Files: .npy (memory-mapped), .csv (comma-separated; a first row that is not\n"
            "numbers is a header) or .parquet (needs pyarrow). A file of one column is a\n"
            "1-D array, of several columns the matrix (n_samples, n_columns); labels may\n"
            "be text."),
        epilog=(
            "metrics (what y_pred holds; their options):\n" + _metric_table() + "\n\n"
            "The text output is the value alone (repr precision), or the values "
            "separated by spaces for\n--multioutput raw_values. Inputs above "
            f"{CHUNKED_ABOVE:.0e} elements are scored in chunks, with a progress\n"
            f"bar (the environment variable {CHUNK_ROWS_ENV}=N sets the chunk to N rows)."
            "\n\nexample:\n  python -m lossmetrics score log_loss --y-true y.csv "
            "--y-pred proba.npy --labels 0 1 2"))
    score.add_argument("metric", metavar="METRIC", help="a loss (listed below)")
    files = score.add_argument_group("data")
    files.add_argument("--y-true", required=True, metavar="FILE", help="targets")
    files.add_argument("--y-pred", required=True, metavar="FILE",
                       help="predictions (x1 for cosine_embedding_loss)")
    files.add_argument("--sample-weight", metavar="FILE", help="one weight per sample")
    files.add_argument("--groups", metavar="FILE",
                       help="one group key per sample (numbers or text): print the loss "
                       "of every group, one line each (key, then value)")
    metric_options = score.add_argument_group(
        "metric options", "each taken by the losses in brackets only")
    for name, option in _options().items():
        metric_options.add_argument(
            _flag(name), dest=name, default=argparse.SUPPRESS,
            help=f"{option.help} [{', '.join(_takers(name))}]", **_argparse_kwargs(option))
    output = score.add_argument_group("output")
    output.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: the value alone; json: one object with metric, "
                        "value, n_samples, options")
    output.add_argument("--n-threads", type=int, metavar="N",
                        help="OpenMP threads (default: all usable cores)")
    output.add_argument("--progress", action=argparse.BooleanOptionalAction,
                        help="force or suppress the progress bar on stderr (default: "
                        "shown when scoring in chunks)")
    return parser


# ---------------------------------------------------------------------- main
def main(argv=None, demo=None):
    """Run the command line; returns the exit status.

    ``demo`` is the demo's entry point (``lossmetrics.__main__.main``).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    prog = "lossmetrics score" if argv[:1] == ["score"] else "lossmetrics"
    try:
        if argv:
            args = build_parser().parse_args(argv)
            if args.command == "score":
                with _warnings_to_stderr():
                    return score(args)
        return (run_demo if demo is None else demo)([])
    except CLIError as exc:
        hint = f" (see python -m {prog} --help)" if exc.status == 2 else ""
        print(f"{prog}: error: {exc}{hint}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def score(args):
    """The ``score`` command: read, validate, score, print."""
    spec, options, paths = _metric_and_options(args)
    if args.n_threads is not None:   # a usage error (status 2), before any file is read
        try:
            resolve_n_threads(args.n_threads)
        except ValueError as exc:
            raise _usage_error(_one_line(exc)) from None
    chunk_rows = _chunk_rows_from_env()
    y_true, y_pred, sample_weight, batch = _read_inputs(args, spec, paths)
    for name in ("labels", "pos_label"):
        if name in options:
            options[name] = _like_labels(options[name], y_true, _flag(name))
    n = y_pred.shape[0]
    per_row = max(1, (y_pred.size + sum(a.size for a in batch.values())) // max(n, 1))
    if chunk_rows is None:
        chunked = n * per_row > CHUNKED_ABOVE
        chunk_rows = max(1, CHUNK_ELEMENTS // per_row)
    else:
        chunked = n > chunk_rows
    chunked = chunked and spec.mergeable   # a quantile needs every row at once
    groups = batch.pop("groups", None)
    chunked = chunked and groups is None     # (groups: one call, lossmetrics.grouped)
    kwargs = dict(options)
    if args.n_threads is not None:
        kwargs["n_threads"] = args.n_threads
    with _Progress(chunked if args.progress is None else args.progress, spec.name) as bar:
        try:
            if chunked:
                value = _score_in_chunks(spec, y_true, y_pred, sample_weight, batch,
                                         kwargs, chunk_rows, bar)
            elif groups is not None:
                bar.start(n)
                value = grouped(spec.name, y_true, y_pred, groups, *batch.values(),
                                sample_weight=sample_weight, **kwargs)
                bar.update(n)
            else:
                bar.start(n)
                value = spec.function(y_true, y_pred, sample_weight=sample_weight,
                                      **kwargs, **batch)
                bar.update(n)
        except (ValueError, TypeError) as exc:
            raise CLIError(_one_line(exc)) from None
    _print_value(args, spec.name, value, n, dict(options, **paths))
    return 0


def _metric_and_options(args):
    """The declaration, its converted options, and the paths of its batch arrays."""
    spec = LOSSES.get(args.metric)
    if spec is None:
        close = difflib.get_close_matches(args.metric, LOSSES, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise _usage_error(f"unknown metric {args.metric!r}{hint} The metrics are: "
                           f"{', '.join(LOSSES)}.")
    given = {n: getattr(args, n) for n in _options() if hasattr(args, n)}
    foreign = [n for n in given if n not in spec.option_names]
    if foreign:
        takes = ", ".join(map(_flag, spec.option_names)) or "none"
        raise _usage_error(f"{_flag(foreign[0])} is not an option of {spec.name} "
                           f"(its options: {takes}).")
    if given.get("reduction") == "none":
        raise _usage_error(
            "--reduction none (one loss per sample) is not available from the command "
            f"line; use mean or sum, or call lossmetrics.{spec.name}(..., "
            "reduction='none') in Python.")
    for name in spec.batch_arrays:
        if name not in given:
            raise _usage_error(f"{spec.name} needs {_flag(name)} FILE.")
    paths = {n: v for n, v in given.items() if n in spec.batch_arrays}
    options = {}
    for option in spec.options:
        if option.name in given and option.name not in paths:
            value = given[option.name]
            try:
                options[option.name] = value if option.parse is None else option.parse(value)
                if option.check is not None:   # the value alone: a usage error
                    option.check(options[option.name])
            except ValueError as exc:
                raise _usage_error(_one_line(exc)) from None
    return spec, options, paths


def _read_inputs(args, spec, paths):
    """y_true, y_pred, sample_weight (or None) and the batch arrays, same lengths."""
    try:
        # The predictions first: their row count settles a labels CSV's header.
        y_pred = read_array(args.y_pred, "--y-pred")
        n_rows = y_pred.shape[0] if y_pred.ndim else None
        files = {"--y-pred": (args.y_pred, y_pred),
                 "--y-true": (args.y_true, read_array(args.y_true, "--y-true", n_rows))}
        for name, path in paths.items():
            files[_flag(name)] = (path, read_array(path, _flag(name), n_rows))
        if args.sample_weight is not None:
            files["--sample-weight"] = (args.sample_weight,
                                        read_array(args.sample_weight, "--sample-weight"))
        if args.groups is not None:
            files["--groups"] = (args.groups, read_array(args.groups, "--groups", n_rows))
    except ReadError as exc:
        raise CLIError(str(exc)) from None
    _check_lengths(files)
    sample_weight = files.get("--sample-weight", (None, None))[1]
    batch = {name: files[_flag(name)][1] for name in paths}
    if "--groups" in files:
        batch["groups"] = files["--groups"][1]
    return files["--y-true"][1], y_pred, sample_weight, batch


def _chunk_rows_from_env():
    text = os.environ.get(CHUNK_ROWS_ENV, "").strip()
    if not text:
        return None
    try:
        rows = int(text)
    except ValueError:
        rows = 0
    if rows < 1:
        raise _usage_error(f"{CHUNK_ROWS_ENV} must be a positive integer; got {text!r}.")
    return rows


def _check_lengths(files):
    """Every file holds one row per sample, as many as --y-pred."""
    for flag, (path, arr) in files.items():
        if arr.ndim == 0:
            raise CLIError(f"{flag} {path} holds a single number; expected one row per "
                           "sample.")
    path0, arr0 = files["--y-pred"]
    for flag, (path, arr) in files.items():
        if arr.shape[0] != arr0.shape[0]:
            hint = ""
            if abs(arr.shape[0] - arr0.shape[0]) == 1 and ".csv" in (path + path0).lower():
                hint = (" (a first row of numbers is data, not a header: pandas writes "
                        "0,1,... as the names of unnamed columns)")
            raise CLIError(f"{flag} {path} has {arr.shape[0]} rows but --y-pred {path0} "
                           f"has {arr0.shape[0]}: every file needs one row per sample"
                           f"{hint}.")


def _like_labels(values, y_true, flag):
    """Labels typed on the command line, as the type of y_true's labels."""
    kind = y_true.dtype.kind
    if kind not in "iufb":
        return values
    single = not isinstance(values, list)

    def convert(text):
        if kind == "b" and text.lower() in ("true", "false", "1", "0"):
            return text.lower() in ("true", "1")
        number = float(text)
        return int(number) if kind in "iub" and number.is_integer() else number

    try:
        out = [convert(v) for v in ([values] if single else values)]
    except ValueError:
        raise CLIError(f"{flag} {values if single else ' '.join(values)}: y_true holds "
                       f"numbers ({y_true.dtype}), so the labels must be numbers.") from None
    return out[0] if single else out


def _score_in_chunks(spec, y_true, y_pred, sample_weight, batch, params, rows, bar):
    n = y_pred.shape[0]
    labels = spec.labels is not None and spec.labels.to_infer(y_true.shape, y_pred.shape,
                                                              params)
    bar.start(n * (2 if labels else 1))
    if labels:
        classes = np.unique(y_true[:0])
        for start in range(0, n, rows):
            classes = np.union1d(classes, np.unique(y_true[start:start + rows]))
            bar.update(min(rows, n - start))
        params = spec.labels.with_inferred(spec, classes, y_pred.shape, y_pred.dtype,
                                           params)
    acc = Accumulator(spec.name, **params)
    for start in range(0, n, rows):
        rows_ = slice(start, start + rows)
        try:
            acc.update(y_true[rows_], y_pred[rows_],
                       None if sample_weight is None else sample_weight[rows_],
                       **{name: a[rows_] for name, a in batch.items()})
        except (ValueError, TypeError) as exc:
            stop = min(n, start + rows) - 1
            raise CLIError(f"in rows {start} to {stop} (an index below counts from row "
                           f"{start}): {_one_line(exc)}") from None
        bar.update(min(rows, n - start))
    return acc.result()


class _Progress:
    """A tqdm bar on stderr when ``show``; tqdm is imported only then."""

    def __init__(self, show, desc):
        self.show, self.desc, self.bar = show, desc, None

    def start(self, total):
        if self.show:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, desc=self.desc, unit="row", unit_scale=True,
                            file=sys.stderr, dynamic_ncols=True)

    def update(self, n):
        if self.bar is not None:
            self.bar.update(n)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if self.bar is not None:
            self.bar.leave = exc_type is None  # on an error, a terminal erases the bar
            self.bar.close()


@contextlib.contextmanager
def _warnings_to_stderr():
    """The loss's warnings as one line each, once each (chunks repeat them)."""
    seen = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = _one_line(message)
        if text not in seen:
            seen.add(text)
            print(f"lossmetrics score: warning: {text}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _print_value(args, metric, value, n, options):
    if isinstance(value, tuple):   # (keys, values) of the groups
        keys, values = value
        if args.format == "json":
            print(json.dumps({"metric": metric, "groups": _jsonable(keys),
                              "values": _jsonable(values), "n_samples": n,
                              "options": {k: _jsonable(v) for k, v in options.items()}}))
            return
        for key, v in zip(keys.tolist(), values):
            print(key, " ".join(repr(float(x)) for x in np.ravel(v)))
        return
    if args.format == "json":
        record = {"metric": metric, "value": _jsonable(value), "n_samples": n,
                  "options": {k: _jsonable(v) for k, v in options.items()}}
        print(json.dumps(record))
    elif isinstance(value, np.ndarray):
        print(" ".join(repr(float(v)) for v in value.ravel()))
    else:
        print(repr(float(value)))
