"""The ``submission`` fixture of isolated runs, registered by ``judge.Judge`` after the
autograder plugin so that it overrides that plugin's in-process fixture (pytest lets the
later-registered plugin's fixture of the same name win)."""
from __future__ import annotations

import pytest

SESSION_KEY = pytest.StashKey[object]()


@pytest.fixture(scope="module")
def submission(request):
    return request.config.stash[SESSION_KEY].proxy
