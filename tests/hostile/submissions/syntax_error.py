"""A syntax error at the end of the module."""
EXPECT = {"2": 0, "3": 0, "4": 0}
FEEDBACK = ["does not compile"]


def broken(:
    pass
