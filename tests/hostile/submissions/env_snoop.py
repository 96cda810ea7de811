"""Looks for the grader's secrets in its environment and in every process's /proc entries."""
EXPECT = {"4": 0}
FEEDBACK = ["secrets: []"]

import os as _os

_SECRET = "__SECRET__"


def mean_abs_cosine(dim, n_pairs, generator=None):
    found = [k for k, v in _os.environ.items() if _SECRET in v or _SECRET in k]
    for pid in ["self"] + [p for p in _os.listdir("/proc") if p.isdigit()]:
        for what in ("environ", "cmdline"):
            try:
                with open(f"/proc/{pid}/{what}", "rb") as fh:
                    if _SECRET.encode() in fh.read():
                        found.append(f"/proc/{pid}/{what}")
            except OSError:
                pass
    raise RuntimeError(f"secrets: {found}")
