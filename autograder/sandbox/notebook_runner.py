"""Runs a report notebook inside the sandbox child (copied into the submission's files there).

Self-contained on purpose: the sandbox shows the Python installation but not the course, so this
file imports nothing from ``autograder``. The cells run one after another in an IPython shell in
this process (``InteractiveShell``: magics, ``display``, the inline matplotlib backend; no kernel,
so no sockets), each one's stdout, stderr, displayed outputs and error captured as nbformat
outputs. A cell that raises does not stop the run: the TA sees the error where the student would.
"""

RUNNER_FUNCTION = "dlcourse_run_notebook"


def dlcourse_run_notebook(notebook_json: str, first: str) -> str:
    """Execute the code cells of ``notebook_json`` (nbformat 4 JSON) after the hidden cell ``first``;
    return the notebook with its outputs, as JSON."""
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from nbformat.v4 import new_output

    nb = nbformat.reads(notebook_json, as_version=4)
    shell = InteractiveShell.instance(colors="NoColor")
    tracebacks = []  # as ipykernel does: the formatted traceback goes into the error output, not stdout
    shell._showtraceback = lambda etype, evalue, stb: tracebacks.append(stb)
    shell.run_cell(first, store_history=False)
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        count += 1
        tracebacks.clear()
        with capture_output() as captured:
            result = shell.run_cell(cell.source, store_history=True)
        outputs = []
        for name, text in (("stdout", captured.stdout), ("stderr", captured.stderr)):
            if text:
                outputs.append(new_output("stream", name=name, text=text))
        for shown in captured.outputs:
            outputs.append(new_output("display_data", data=shown.data, metadata=shown.metadata or {}))
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            shown = tracebacks[-1] if tracebacks else [f"{type(error).__name__}: {error}"]
            outputs.append(new_output("error", ename=type(error).__name__, evalue=str(error)[:2000],
                                      traceback=[line[:2000] for line in shown[-60:]]))
        cell.outputs = outputs
        cell.execution_count = count
    return nbformat.writes(nb)
