"""At import, tries to delete, overwrite, rename and chmod files outside its folder; honest work."""
EXPECT = {}
FEEDBACK = []

import os as _os
import shutil as _shutil

for _attack in (
    lambda: _os.remove("__VICTIM__"),
    lambda: open("__VICTIM__", "w").write("pwned"),
    lambda: _os.rename("__VICTIM__", "__VICTIM__.moved"),
    lambda: _os.chmod("__VICTIM__", 0),
    lambda: _os.truncate("__VICTIM__", 0),
    lambda: _shutil.rmtree("__VICTIM_DIR__"),
    lambda: _os.remove("__ORIGINAL__"),
    lambda: open("__ORIGINAL__", "w").write("pwned"),
    lambda: open("__COURSE_ROOT__/solutions/a3_positional_encoding/tests/test_attention_scores.py", "a"),
    lambda: open(_os.__file__, "a"),
):
    try:
        _attack()
    except OSError:
        pass
