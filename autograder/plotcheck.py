"""Advisory plot checks for TAs: what each figure of an executed report shows, compared with what
the solution's plot cell declares. They inform the TA; they never change points.

When ``review --execute`` runs a report notebook (in the sandbox), a hook in the shell records, after every cell,
the structure of each figure the cell drew or changed (per axes: title, axis labels and scales,
number of lines, image shapes, legend entries; colour bars left out). The checks then read:

- always: an axes with content but no axis labels; several curves without a legend;
  a plot cell that drew no figure;
- what the solution's plot cell declares in its metadata, ``"autograder": {"plot": {...}}`` with
  any of ``curves`` (number of lines), ``images`` (number of images), ``legend`` (``true`` or the
  entries expected), ``xlabel`` / ``ylabel`` (a word the label must contain), ``xscale`` /
  ``yscale`` (``"log"`` or ``"linear"``), ``title`` (``true``); counts are over all axes of the
  cell (``axhline`` lines are curves too). For example two curves with a legend, x axis "epoch",
  y axis log scale:
  ``{"curves": 2, "legend": ["train", "validation"], "xlabel": "epoch", "yscale": "log"}``.
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

MIME = "application/vnd.dlcourse.figures+json"

# Runs in the kernel (a first, hidden cell): every figure the notebook shows carries its structure
# in one more MIME type of the same output, made when it is shown (the inline backend closes
# figures right after), by one more IPython display formatter. Figures show inline even where
# MPLBACKEND says otherwise (e.g. Agg), and where pyplot was imported before this cell (by a library the
# sandbox preloads, e.g. lightning.pytorch, with the Agg backend): then `%matplotlib inline` switches it.
HOOK = '''
import os as _os
import sys as _sys

_os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"


def _dlcourse_structure():
    import sys

    from IPython.core.formatters import JSONFormatter
    from traitlets import Unicode

    def structure(fig):
        axes = []
        for ax in fig.axes:
            if hasattr(ax, "_colorbar") or not ax.get_visible():
                continue
            legend = ax.get_legend()
            axes.append({"title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
                         "xscale": ax.get_xscale(), "yscale": ax.get_yscale(), "lines": len(ax.get_lines()),
                         "images": [list(im.get_array().shape) for im in ax.get_images()],
                         "collections": len(ax.collections), "patches": len(ax.patches),
                         "legend": [t.get_text() for t in legend.get_texts()] if legend else None,
                         "xticks": [t.get_text() for t in ax.get_xticklabels()],
                         "yticks": [t.get_text() for t in ax.get_yticklabels()],
                         "ticks": bool(ax.axison and (ax.get_xticks().size or ax.get_yticks().size))})
        return {"axes": axes, "legend": [t.get_text() for lg in fig.legends for t in lg.get_texts()]}

    class Structure(JSONFormatter):
        # Answers for figures itself: enabling a matplotlib backend drops every formatter's Figure printer.
        format_type = Unicode("%s")

        def __call__(self, obj):
            figure = sys.modules.get("matplotlib.figure")
            try:
                return structure(obj) if figure is not None and isinstance(obj, figure.Figure) else None
            except Exception:  # never in the student's way: a figure we cannot read has no checks
                return None

    display = get_ipython().display_formatter
    display.formatters["%s"] = Structure(parent=display)
    display.active_types = [*display.active_types, "%s"]


_dlcourse_structure()
if "matplotlib.pyplot" in _sys.modules:  # imported before this cell (by a library): switch it to inline too
    get_ipython().run_line_magic("matplotlib", "inline")
del _dlcourse_structure, _os, _sys
''' % (MIME, MIME, MIME)


KEYS = ("curves", "images", "legend", "xlabel", "ylabel", "xscale", "yscale", "title")


def declared(notebook: nbformat.NotebookNode) -> dict[str, dict]:
    """{grade id: declared plot} of the (solution) notebook's cells that declare one."""
    found = {}
    for cell in notebook.cells:
        plot = cell.metadata.get("autograder", {}).get("plot")
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id and isinstance(plot, dict):
            found[grade_id] = plot
    return found


AUTOGRADED_NOTE = "(not run here: the course's grader scored this cell; its results are at the top of the page)\n"


def _autograded(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def execute(nb: nbformat.NotebookNode, folder: Path, assignment=None, limits=None) -> dict[str, list[dict]]:
    """Run ``nb`` over the files of ``folder`` and return {grade id: figures drawn by that cell};
    ``nb`` gets the outputs.

    With ``assignment``, in the sandbox with ``limits`` (``review --execute``: student code never
    runs on the TA's machine outside it; a limit hit or a crash raises ``SandboxError``); without,
    in a Jupyter kernel in ``folder`` itself (the course's own notebooks). A cell that raises does
    not stop the run (the TA sees the error where the student would)."""
    if assignment is not None:
        from nbformat.v4 import new_output

        from .sandbox import notebook

        sent = copy.deepcopy(nb)
        autograded = [c for c in sent.cells if _autograded(c)]
        for cell in autograded:  # the course's grader scored these; the sandbox cannot import it
            cell.source = ""
        executed = notebook.execute(assignment, folder, sent, HOOK, limits)
        for cell, done in zip(nb.cells, executed.cells):
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = done.outputs, done.execution_count
                if _autograded(cell):
                    cell.outputs = [new_output("stream", name="stdout", text=AUTOGRADED_NOTE)]
    else:
        from nbclient import NotebookClient

        nb.cells.insert(0, new_code_cell(HOOK))
        try:
            NotebookClient(nb, timeout=900, allow_errors=True, resources={"metadata": {"path": str(folder)}}).execute()
        finally:
            nb.cells.pop(0)
    figures = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        drawn = [o["data"].pop(MIME) for o in cell.outputs if MIME in o.get("data", {})]
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id:
            figures[grade_id] = drawn
    return figures


def _labelled(ax: dict, axis: str) -> bool:
    """The axis says what it shows: a label, or tick labels that are names (``C1, C2, B1``), not numbers."""
    return bool(ax[f"{axis}label"].strip()) or any(_is_name(t) for t in ax.get(f"{axis}ticks", []))


def _picture(ax: dict) -> bool:
    """Images shown as pictures (ticks removed or the axis off): a gallery, not a chart to label."""
    return bool(ax["images"]) and not ax["lines"] and ax.get("ticks") is False


def _is_name(tick: str) -> bool:
    text = tick.strip().replace("\u2212", "-").replace("$", "")
    try:
        float(text)
    except ValueError:
        return bool(text)
    return False


def _has_content(ax: dict) -> bool:
    return bool(ax["lines"] or ax["images"] or ax["collections"] or ax.get("patches"))


def checks(figures: list[dict] | None, expect: dict | None = None) -> list[str]:
    """What a TA might look at in one plot cell's ``figures`` (``None``: the cell is not in the notebook)."""
    if figures is None:
        return ["the cell is not in the notebook"]
    axes = [ax for fig in figures for ax in fig["axes"] if _has_content(ax)]
    if not axes:
        return ["no figure drawn in this cell"]
    found = []
    charts = [ax for ax in axes if not _picture(ax)]
    unlabelled = [ax for ax in charts if not _labelled(ax, "x") and not _labelled(ax, "y")]
    if unlabelled:
        found.append("no axis labels" if len(unlabelled) == len(charts) == 1
                     else f"no axis labels on {len(unlabelled)} of {len(charts)} axes")
    for axis in ("x", "y"):
        half = [ax for ax in charts if not _labelled(ax, axis) and _labelled(ax, "y" if axis == "x" else "x")]
        if half:
            found.append(f"no {axis} axis label" + (f" on {len(half)} of {len(charts)} axes" if len(charts) > 1 else ""))
    # one legend serves the figure: on one of its axes (shared by panels of the same runs) or on the figure
    bare = [ax["lines"] for fig in figures if not fig.get("legend") and not any(ax["legend"] for ax in fig["axes"])
            for ax in fig["axes"] if _has_content(ax) and ax["lines"] > 1]
    if bare:
        found.append(f"{bare[0]} curves without a legend" if len(bare) == 1 else
                     f"curves without a legend on {len(bare)} axes")
    expect = expect or {}
    curves = sum(ax["lines"] for ax in axes)
    if "curves" in expect and curves != expect["curves"]:
        found.append(f"{_count(curves, 'curve')}, expected {expect['curves']}")
    images = sum(len(ax["images"]) for ax in axes)
    if "images" in expect and images != expect["images"]:
        found.append(f"{_count(images, 'image')}, expected {expect['images']}")
    entries = [e for ax in axes for e in (ax["legend"] or [])] + [e for fig in figures for e in fig.get("legend") or []]
    if expect.get("legend") and not entries:
        found.append("no legend" + (f", expected {', '.join(expect['legend'])}" if isinstance(expect["legend"], list) else ""))
    elif isinstance(expect.get("legend"), list):
        missing = [e for e in expect["legend"] if not any(e.lower() in have.lower() for have in entries)]
        if missing:
            found.append(f"legend lacks {', '.join(repr(m) for m in missing)}")
    for axis in ("x", "y"):
        want = expect.get(f"{axis}label")
        if want and not any(want.lower() in ax[f"{axis}label"].lower() for ax in axes):
            got = "; ".join(sorted({ax[f"{axis}label"] for ax in axes if ax[f"{axis}label"]})) or "none"
            if got != "none":
                found.append(f"{axis} axis label {got!r}, expected {want!r}")
            elif not unlabelled:  # axes without any label are reported once, above
                found.append(f"no {axis} axis label, expected {want!r}")
        scale = expect.get(f"{axis}scale")
        if scale and not any(ax[f"{axis}scale"] == scale for ax in axes):
            found.append(f"{axis} axis {axes[0][f'{axis}scale']}, expected {scale} scale")
    if expect.get("title") and not any(ax["title"].strip() for ax in axes):
        found.append("no title")
    return found


def _count(n: int, what: str) -> str:
    return f"{'no' if n == 0 else 'one' if n == 1 else n} {what}{'' if n == 1 else 's'}"


def describe(expect: dict) -> str:
    """A declared plot in words, e.g. ``2 curves; legend: train, validation; x axis 'epoch'; y axis log scale``."""
    parts = []
    if "curves" in expect:
        parts.append(_count(int(expect["curves"]), "curve").replace("one ", "1 "))
    if "images" in expect:
        parts.append(_count(int(expect["images"]), "image").replace("one ", "1 "))
    if isinstance(expect.get("legend"), list):
        parts.append("legend: " + ", ".join(expect["legend"]))
    elif expect.get("legend"):
        parts.append("a legend")
    for axis in ("x", "y"):
        if expect.get(f"{axis}label"):
            parts.append(f"{axis} axis {expect[f'{axis}label']!r}")
        if expect.get(f"{axis}scale"):
            parts.append(f"{axis} axis {expect[f'{axis}scale']} scale")
    if expect.get("title"):
        parts.append("a title")
    return "; ".join(parts)
