"""Readers of the command line: ``.npy``, ``.csv`` and ``.parquet`` files to arrays.

A file of one column is a 1-D array, a file of several columns a matrix
``(n_rows, n_columns)``.  ``.npy`` files are memory-mapped (any shape and
dtype but objects); ``.csv`` and ``.parquet`` files are read into memory.

CSV rules: comma-separated, ``"`` quotes, UTF-8 (a byte-order mark is
skipped).  Integers are read as int64, other numbers as float64, anything
else as text (one text column only: a labels file).  Header detection: a
first row that parses as numbers is data; one that does not is a header if
the rows below it are numbers.  In a column of text labels, the first row is
a header if the file has one row more than the predictions have samples
(without that count: if its value does not occur again below it, as a
column name would not).  A file of one row is data.
"""
import csv
import os
import re
import warnings

import numpy as np


class ReadError(Exception):
    """A file that cannot be read: the message is for the user, one line."""


SUFFIXES = (".npy", ".csv", ".parquet")


def read_array(path, name, n_rows=None):
    """The array in ``path``; ``name`` (such as ``--y-true``) is for messages.

    ``n_rows``, the number of samples if known (from the predictions), settles
    whether a CSV column of text labels starts with a header.
    """
    suffix = os.path.splitext(path)[1].lower()
    reader = {".npy": _read_npy, ".csv": _read_csv, ".parquet": _read_parquet}.get(suffix)
    if reader is None:
        raise ReadError(
            f"{name} {path}: unsupported file type {suffix or '(no extension)'!r}; "
            f"use one of {', '.join(SUFFIXES)}."
        )
    if not os.path.exists(path):
        raise ReadError(f"{name} {path}: no such file.")
    if os.path.isdir(path):
        raise ReadError(f"{name} {path}: is a directory, not a file.")
    try:
        arr = reader(path, n_rows) if suffix == ".csv" else reader(path)
    except ReadError as exc:
        raise ReadError(f"{name} {path}: {exc}") from None
    except Exception as exc:  # a corrupt file can raise almost anything
        raise ReadError(f"{name} {path}: cannot read the file ({_one_line(exc)}).") from None
    if arr.ndim == 2 and arr.shape[1] == 1 and suffix != ".npy":
        arr = arr[:, 0]
    if arr.size == 0 and suffix != ".npy":
        raise ReadError(f"{name} {path}: the file holds no data.")
    return arr


def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__


def _read_npy(path):
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc) or "Python objects" in str(exc):
            raise ReadError("holds Python objects; save it with a numeric or string "
                            "dtype (np.save of a str array, not dtype=object).") from None
        raise


# ---------------------------------------------------------------------- CSV
def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _loadtxt(path, dtype, skiprows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
        return np.loadtxt(path, delimiter=",", dtype=dtype, skiprows=skiprows, ndmin=2,
                          quotechar='"', encoding="utf-8-sig", comments=None)


def _load_numbers(path, skiprows):
    """int64 if every value is an integer, else float64 (ValueError if text)."""
    try:
        return _loadtxt(path, np.int64, skiprows)
    except (ValueError, OverflowError):
        return _loadtxt(path, np.float64, skiprows)


def _bad_number(exc, skiprows):
    """loadtxt's conversion error, with the line number of the file (from 1)."""
    msg = _one_line(exc)
    m = re.match(r"could not convert string (.*) to float64 at row (\d+), column (\d+)", msg)
    if m:
        line = int(m.group(2)) + 1 + skiprows
        return ReadError(f"{m.group(1)} in line {line}, column {m.group(3)} is not a "
                         "number (a file of several columns must hold numbers).")
    return ReadError(msg)


def _check_no_blank_line(path):
    """A blank line is a missing value (NumPy's and pandas' readers skip it,
    which would pair the rows of two files wrongly): refuse it, naming the line.
    The file may end with one line break."""
    with open(path, "rb") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                raise ReadError(
                    f"line {number} is blank: a blank line is a missing value, and "
                    "every row needs one (remove the line or fill in the value)."
                )


def _read_csv(path, n_rows=None):
    _check_no_blank_line(path)
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        first = next(rows, None)
        second = next(rows, None)
    if not first:
        raise ReadError("the file is empty.")
    first_numeric = all(_is_number(x) for x in first)
    # Below a first row of text, rows of numbers make the first row a header.
    skip = 0 if first_numeric or second is None else 1
    try:
        numbers = _load_numbers(path, skip)
    except ValueError as exc:
        numbers_error = _bad_number(exc, skip)
    else:
        if first == [str(i) for i in range(len(first))] and numbers.dtype.kind == "f":
            warnings.warn(f"{path}: the first row, {','.join(first)}, is read as data; if "
                          "it names the columns (pandas writes 0,1,... for unnamed "
                          "ones), remove it or name the columns.", UserWarning)
        return numbers
    text = _loadtxt(path, str, 0)
    if text.shape[1] != 1:
        raise numbers_error
    column = text[:, 0]  # a column of text: labels
    if not first_numeric and column.shape[0] > 1:
        if n_rows is not None and column.shape[0] in (n_rows, n_rows + 1):
            header = column.shape[0] == n_rows + 1   # as many rows as the predictions
        else:
            header = not np.any(column[1:] == column[0])  # a name, not a label
        if header:
            column = column[1:]
    return column


# ------------------------------------------------------------------ parquet
def _read_parquet(path):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ReadError("reading .parquet files needs pyarrow: pip install pyarrow "
                        "(or pip install 'lossmetrics[cli]').") from None
    table = pq.read_table(path)
    if table.num_columns == 0 or table.num_rows == 0:
        raise ReadError("the file holds no data.")
    # A pandas index saved as a column is not data.
    names = [n for n in table.column_names if not re.fullmatch(r"__index_level_\d+__", n)]
    columns = [_parquet_column(table.column(n), n) for n in names]
    if len(columns) == 1:
        return columns[0]
    text = [n for n, c in zip(names, columns) if c.dtype.kind not in "iufb"]
    if text:
        raise ReadError(f"column {text[0]!r} does not hold numbers (a file of several "
                        "columns must hold numbers).")
    return np.column_stack(columns)


def _parquet_column(column, name):
    arr = column.to_numpy()
    if arr.dtype.kind == "O":  # strings (or nulls): a text labels column
        values = arr.tolist()
        if any(v is None for v in values):
            raise ReadError(f"column {name!r} has missing values.")
        arr = np.asarray(values, dtype=str if isinstance(values[0], str) else None)
    return arr
