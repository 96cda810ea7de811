"""Course autograder."""
