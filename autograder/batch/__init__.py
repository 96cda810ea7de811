"""Batch grading pieces: where submissions come from (``inputs``), the function workers run
(``job``), and what is written under ``--out`` (``store``). ``autograder.grade`` ties them together."""
