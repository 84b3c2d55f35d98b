"""Sphinx configuration of the lossmetrics documentation.

Build (warnings are errors) from the repository root, after
``pip install ".[docs]"``::

    python -m sphinx -W -b html docs docs/_build/html

The site documents the *installed* package (the compiled extension is not
in the source tree), executes every gallery example in ``docs/examples/``
and needs no network: there is no intersphinx.
"""
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Import the installed, compiled package, never the source folder beside
# docs/ (it has no built extension): `python -m sphinx` run from the
# repository root puts that folder first on sys.path, so drop it.
sys.path[:] = [p for p in sys.path
               if Path(p or os.getcwd()).resolve() != HERE.parent]

import lossmetrics  # noqa: E402

# -- Project -----------------------------------------------------------------

project = "lossmetrics"
author = "the lossmetrics developers"
copyright = "the lossmetrics developers"
release = lossmetrics.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_templates",
    "examples",            # gallery sources; the built pages are in auto_examples/
    "_api_*.inc.rst",  # the API reference's lists of losses, written below
    "Thumbs.db",
    ".DS_Store",
]

# -- autodoc / autosummary / numpydoc ----------------------------------------

# api.rst and the lists of losses it includes, written below from the
# declarations (an included file is not scanned unless it is named here).
autosummary_generate = ["api.rst", "_api_sklearn.inc.rst", "_api_torch.inc.rst",
                        "_api_dask.inc.rst"]
autosummary_imported_members = True
autodoc_typehints = "none"

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- MyST --------------------------------------------------------------------

myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist"]
myst_heading_anchors = 3

# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("lossmetrics",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"lossmetrics": None},
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "min_reported_time": 1,
    "matplotlib_animations": False,
}

# -- HTML --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"lossmetrics {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"index": [], "auto_examples/index": []}
html_static_path = []
html_show_sourcelink = False


# -- The loss tables, derived from the declarations (lossmetrics.LOSSES) ------

def _write_api_lists():
    """Write the API reference's autosummary lists of losses from the declarations:
    scikit-learn's drop-ins (their reference is sklearn's) and the others."""
    groups = {"sklearn": [], "torch": []}
    for name, spec in lossmetrics.LOSSES.items():
        groups["sklearn" if spec.reference.startswith("sklearn.") else "torch"].append(name)
    groups["dask"] = sorted(lossmetrics.LOSSES)
    for group, names in groups.items():
        module = "lossmetrics.dask" if group == "dask" else "lossmetrics"
        text = (f".. currentmodule:: {module}\n\n"
                ".. autosummary::\n   :toctree: generated/\n   :nosignatures:\n\n") + "".join(
            f"   {name}\n" for name in names)
        out = HERE / f"_api_{group}.inc.rst"
        if not out.exists() or out.read_text() != text:
            out.write_text(text)


_write_api_lists()
