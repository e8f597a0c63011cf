"""The package's data folders (`runner/data/lessons`, `runner/data/profiles`) as real directories.

Read with `importlib.resources`, so they are found wherever the package is
installed: a checkout, an editable install, a wheel in a virtualenv or pipx.
When the package is imported from a zip, the folder is extracted once and the
copy kept until the process ends.
"""

from __future__ import annotations

import atexit
import contextlib
from functools import cache
from importlib import resources
from pathlib import Path


@cache
def package_data(folder: str) -> Path:
    ref = resources.files("runner.data") / folder
    if isinstance(ref, Path):
        return ref
    stack = contextlib.ExitStack()
    atexit.register(stack.close)
    return Path(stack.enter_context(resources.as_file(ref)))
