"""Writes a fake grades.csv and results files wherever it can guess the grader writes; honest work."""
EXPECT = {}
FEEDBACK = []

import json as _json
import os as _os

_FAKE = {"score": 1000, "tests": [], "assignment": "FAKE", "submission": "FAKE"}
for _target in ["__OUT__/grades.csv", "__OUT__/fake_results/report.json", "__OUT__/fake_results/results.json",
                "__OUT__/alice/report.json", "__SUBMISSIONS__/../grades.csv", "/tmp/grades.csv", "results.json",
                "../report.json", "../../grades.csv"]:
    try:
        _os.makedirs(_os.path.dirname(_os.path.abspath(_target)), exist_ok=True)
        with open(_target, "w") as _fh:
            _fh.write("student,total\nFAKE,1000\n" if _target.endswith(".csv") else _json.dumps(_FAKE))
    except OSError:
        pass
