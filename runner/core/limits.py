"""How much input the tool reads, in one place, so that no file or stream can make it hang or fill memory.

A lesson is at most `MAX_LESSON_BYTES` (the longest published tutorial we
know is about 60 KB): a larger file, or a stream that does not end
(`/dev/zero`, a FIFO fed forever), is refused after reading just past the
limit, with one line and exit status 2. The YAML limits (aliases, depth,
integers) live with the one YAML reader, `runner/syntax/yaml.py`.
"""

from __future__ import annotations

from pathlib import Path

from runner.core.errors import LessonError

MAX_LESSON_BYTES = 5 * 1024 * 1024  # a Markdown lesson
MAX_ROSTER_BYTES = 5 * 1024 * 1024  # a roster of participants
MAX_PROGRESS_BYTES = 64 * 1024 * 1024  # a live board's progress file (evidence of every first pass)
_CHUNK = 1 << 20


def read_bounded(path: str | Path, limit: int, what: str = "file") -> bytes:
    """The bytes of `path`, refusing (LessonError) more than `limit` without reading much past it.

    Reads in chunks, so a file that grows or a device that never ends is
    stopped at the limit; missing, unreadable and directory paths are
    LessonErrors too, each one line.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        with open(path, "rb") as fh:
            while size <= limit:
                chunk = fh.read(min(_CHUNK, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except FileNotFoundError:
        raise LessonError("no such file", str(path)) from None
    except IsADirectoryError:
        raise LessonError(f"is a directory, not a {what}", str(path)) from None
    except OSError as exc:
        raise LessonError(f"cannot read: {exc.strerror}", str(path)) from None
    if size > limit:
        raise LessonError(f"larger than {_size(limit)}, the limit for a {what}", str(path))
    return b"".join(chunks)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
