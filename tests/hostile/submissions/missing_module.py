"""Imports a package that does not exist."""
EXPECT = {"2": 0, "3": 0, "4": 0}
FEEDBACK = ["No module named"]

import definitely_not_a_real_module_xyz  # noqa: F401
