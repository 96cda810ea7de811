"""Hands in no positional_encoding.py at all (only notes)."""
EXPECT = {"2": 0, "3": 0, "4": 0}
FEEDBACK = ["no graded file found: expected positional_encoding.py"]
MODE = "missing"
