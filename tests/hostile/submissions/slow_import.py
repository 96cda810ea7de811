"""Importing takes a minute."""
EXPECT = {"2": 0, "3": 0, "4": 0}
FEEDBACK = ["took longer than"]

import time as _time

_time.sleep(60)
