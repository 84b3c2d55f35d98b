"""The one path every loss call takes: validate -> kernel -> state -> finalize.

Public functions are thin: they pass their arguments to :func:`evaluate`
with their declaration.  The Accumulator and the Dask chunks run the same
``check`` and ``state`` of the declaration and keep the state instead of
finalising it.
"""


def evaluate(loss, y_true, y_pred, sample_weight=None, n_threads=None, **options):
    """The value of ``loss`` on one call's inputs.

    A declaration's ``fast`` path, where it has one, goes first for calls
    without weights or thread count; it returns None for any input it does
    not vouch for, and the generic path then raises the errors.
    """
    if loss.fast is not None and sample_weight is None and n_threads is None:
        value = loss.fast(y_true, y_pred, **options)
        if value is not None:
            return value
    checked = loss.check(y_true, y_pred, sample_weight=sample_weight,
                         n_threads=n_threads, **options)
    return finish(loss, checked)


def finish(loss, checked):
    """Run the kernel on validated inputs and finalise its state."""
    params = checked.params
    want_none = params.get("reduction") == "none"
    state, per_element = loss.state(checked, want_none)
    if want_none:
        return per_element.reshape(params["out_shape"])
    return loss.result(state, params, loss.name)
