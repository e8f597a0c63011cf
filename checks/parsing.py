"""Parsing real tool output (df, /proc/mounts, ls) robustly: the variants real systems print.

GNU coreutils `df` (with -h, -H, -P, -T), busybox `df`, long device names that
wrap onto a second line, sizes with SI or binary suffixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}
_SI = {"K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4, "P": 1000**5}


@dataclass(frozen=True)
class DfRow:
    filesystem: str
    size_bytes: int | None
    mounted_on: str
    fstype: str | None = None
    line: str = ""


def size_to_bytes(text: str, si: bool = False, block: int = 1024) -> int | None:
    """`1.5G`, `64M`, `65536` (in blocks), `8.6GB` -> bytes."""
    m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*([KMGTPB]?)(i?B?)\s*", text, re.I)
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    unit = m.group(2).upper()
    if not unit:
        return int(number * block)
    table = _SI if (si and not m.group(3).lower().startswith("i")) else _UNITS
    return int(number * table.get(unit, 1))


def parse_df(output: str, si: bool = False) -> list[DfRow]:
    """Rows of `df` output; a device name alone on its line is joined with the next line."""
    lines = [l for l in output.splitlines() if l.strip()]
    if not lines:
        return []
    header = lines[0].lower()
    has_type = " type " in f" {header} "
    block = 1024
    m = re.search(r"(\d+)[- ]?(k|blocks)", header)
    if m and m.group(1).isdigit():
        block = int(m.group(1)) * (1024 if m.group(2) == "k" else 1)
    rows: list[DfRow] = []
    pending = ""
    for line in lines[1:] if ("filesystem" in header or "mounted" in header) else lines:
        parts = (pending + " " + line).split() if pending else line.split()
        if len(parts) < (7 if has_type else 6):
            pending = " ".join(parts)
            continue
        pending = ""
        fs = parts[0]
        fstype = parts[1] if has_type else None
        size = parts[2] if has_type else parts[1]
        mounted = " ".join(parts[(6 if has_type else 5):])
        rows.append(DfRow(fs, size_to_bytes(size, si=si, block=block), mounted, fstype, line.strip()))
    return rows


def parse_mounts(text: str) -> dict[str, tuple[str, str]]:
    """/proc/mounts -> mount point -> (device, fstype); later mounts win, as the kernel does."""
    out: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            mount = parts[1].replace("\\040", " ")
            out[mount] = (parts[0], parts[2])
    return out
