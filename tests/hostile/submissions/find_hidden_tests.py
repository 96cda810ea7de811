"""Searches the whole file system and every process for hidden tests, solutions and grades;
reports what it found in its error message (the test requires: nothing)."""
EXPECT = {"4": 0}
FEEDBACK = ["found: []"]

import os as _os
import sys as _sys

_NAMES = {"conftest.py", "assignment.toml", "mutants.py", "grades.csv", "report.json", "results.json",
          "positional_encoding.py", "test_positional_encoding.py", "test_attention_scores.py"}


def _search():
    found = []
    skip = tuple(p.rstrip("/") + "/" for p in {_sys.prefix, _sys.base_prefix, "/proc", "/sys", "/dev", "/usr",
                                               "/lib", "/lib64", "/bin", "/sbin", _os.getcwd()})
    for root, dirs, files in _os.walk("/"):
        dirs[:] = [d for d in dirs if not (_os.path.join(root, d) + "/").startswith(skip)]
        for name in files:
            path = _os.path.join(root, name)
            if name in _NAMES or (name.startswith("test_") and name.endswith(".py")):
                found.append(path)
            elif name.endswith(".py"):
                try:
                    with open(path, errors="replace") as fh:
                        if "BEGIN HIDDEN TESTS" in fh.read(200_000):
                            found.append(path)
                except OSError:
                    pass
    for place in ("__COURSE_ROOT__", "__COURSE_ROOT__/solutions", "/work", "/root"):
        try:
            listing = [n for n in _os.listdir(place) if n not in (".venv", ".pyenv", _os.path.basename("__COURSE_ROOT__"))]
            if listing:
                found.append(f"{place}: {listing}")
        except OSError:
            pass
    for pid in [p for p in _os.listdir("/proc") if p.isdigit()]:
        for what in ("cmdline", "environ"):
            try:
                with open(f"/proc/{pid}/{what}", "rb") as fh:
                    text = fh.read().decode(errors="replace")
            except OSError:
                continue
            if "solutions" in text or "HIDDEN" in text or "pytest" in text:
                found.append(f"/proc/{pid}/{what}")
    return sorted(found)


def mean_abs_cosine(dim, n_pairs, generator=None):
    raise RuntimeError(f"found: {_search()[:10]}")
