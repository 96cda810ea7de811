"""Hands in no positional_encoding.py at all (only notes)."""
EXPECT = {"2": 0, "3": 0, "4": 0}
FEEDBACK = ["positional_encoding.py is missing"]
MODE = "missing"
