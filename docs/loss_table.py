"""The "what prediction each loss takes" table of docs/guide/choosing.md, made
from the loss declarations (lossmetrics.LOSSES) so that it cannot drift from
the code.  The table is kept in the page itself, readable in the sources;
``python docs/loss_table.py`` rewrites it, and the test suite checks that it is
current (tests/test_docs_code.py)."""
from pathlib import Path

import lossmetrics

PAGE = Path(__file__).parent / "guide" / "choosing.md"
BEGIN, END = "<!-- loss-table:begin (python docs/loss_table.py) -->", "<!-- loss-table:end -->"


def loss_table():
    """The table's Markdown: one row per declared loss."""
    rows = [
        "| loss | y_true | prediction | scorer (estimator method) | options | reference |",
        "|---|---|---|---|---|---|",
    ]
    for name, spec in lossmetrics.LOSSES.items():
        scorer = f"`{spec.scorer}` (`{spec.response_method}`)" if spec.scorer else "--"
        options = ", ".join(f"`{o}`" for o in spec.option_names) or "--"
        rows.append(f"| {{func}}`~lossmetrics.{name}` | {spec.target} | {spec.prediction} | "
                    f"{scorer} | {options} | `{spec.reference}` |")
    return "\n".join(rows) + "\n"


def page_with_table(text):
    """``text`` (the page) with its table replaced by the current one."""
    head, rest = text.split(BEGIN + "\n", 1)
    _, tail = rest.split(END, 1)
    return head + BEGIN + "\n" + loss_table() + END + tail


if __name__ == "__main__":
    PAGE.write_text(page_with_table(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
