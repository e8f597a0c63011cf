"""Files that other processes may read while we write them: written whole, or not at all.

A reader sees the old content or the new one, never half of it: the text goes
to a temporary file in the same folder, which is then renamed over the target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: str | os.PathLike[str], text: str, prefix: str = ".tmp-") -> None:
    """Replace `path` with `text` in one rename; a failed write leaves the old file and no temporary one."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=prefix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
