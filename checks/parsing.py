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
        mounted = " ".join(parts[(6 if has_type else 5) :])
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


# --------------------------------------------------------------------------- nvidia-smi


@dataclass(frozen=True)
class Gpu:
    index: int
    name: str
    memory_total_mib: int | None = None
    memory_used_mib: int | None = None
    bus_id: str | None = None
    uuid: str | None = None


@dataclass(frozen=True)
class NvidiaSmi:
    driver: str | None
    cuda: str | None  # None when nvidia-smi prints `CUDA Version: N/A` or nothing
    gpus: tuple[Gpu, ...]
    error: str | None = None  # the line that says nvidia-smi did not work


_SMI_HEADER = re.compile(r"NVIDIA-SMI\s+(\S+)\s+Driver Version:\s*(\S+)(?:\s+CUDA Version:\s*([\w./]+))?", re.I)
_SMI_GPU_ROW = re.compile(
    r"^\|\s*(\d+)\s+(.+?)\s+(On|Off|TCC|WDDM)\s*\|\s*([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.\d)", re.I
)
_SMI_MEMORY = re.compile(r"(\d+)\s*MiB\s*/\s*(\d+)\s*MiB", re.I)
_SMI_LIST = re.compile(r"^\s*GPU\s+(\d+):\s*(.+?)\s*(?:\(UUID:\s*([^)]+)\))?\s*$")
_SMI_ERRORS = re.compile(
    r"(NVIDIA-SMI has failed.*|No devices were found.*|Failed to initialize NVML.*|"
    r".*nvidia-smi.*(?:not found|No such file or directory).*|.*executable file not found.*)",
    re.I,
)


def parse_nvidia_smi(text: str) -> NvidiaSmi:
    """`nvidia-smi` (table; driver 470 to 570 layouts), `nvidia-smi -L` and `--query-gpu=... --format=csv` output.

    The table gives driver, CUDA version, and per GPU its name, bus id and memory
    (from the row below the name). `-L` lines give names and UUIDs; csv lines
    (`NVIDIA A10, 23028 MiB, 535.104.05`) give name, memory and driver.
    """
    driver = cuda = err = None
    gpus: dict[int, Gpu] = {}
    lines = text.splitlines()
    csv_index = 0
    for i, line in enumerate(lines):
        if err is None and (m := _SMI_ERRORS.search(line)):
            err = m.group(1).strip()
        if m := _SMI_HEADER.search(line):
            driver = m.group(2)
            cuda = m.group(3) if m.group(3) and m.group(3).upper() != "N/A" else None
            continue
        if m := _SMI_GPU_ROW.match(line):
            idx = int(m.group(1))
            used = total = None
            for nxt in lines[i + 1 : i + 3]:
                if mm := _SMI_MEMORY.search(nxt):
                    used, total = int(mm.group(1)), int(mm.group(2))
                    break
            old = gpus.get(idx)
            gpus[idx] = Gpu(idx, m.group(2).strip(), total, used, m.group(4), old.uuid if old else None)
            continue
        if m := _SMI_LIST.match(line):
            idx = int(m.group(1))
            old = gpus.get(idx)
            gpus[idx] = Gpu(
                idx,
                old.name if old else m.group(2),
                old.memory_total_mib if old else None,
                old.memory_used_mib if old else None,
                old.bus_id if old else None,
                m.group(3),
            )
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 2 and not line.lstrip().startswith("|") and (mem_m := re.fullmatch(r"(\d+)(?:\s*MiB)?", parts[1], re.I)):
            if parts[0].lower() == "name":
                continue  # the csv header
            mem = int(mem_m.group(1))
            if len(parts) >= 3 and re.fullmatch(r"\d+(?:\.\d+)+", parts[2]):
                driver = driver or parts[2]
            gpus[csv_index] = Gpu(csv_index, parts[0], mem, None, None, None)
            csv_index += 1
    return NvidiaSmi(driver, cuda, tuple(gpus[k] for k in sorted(gpus)), err)


# --------------------------------------------------------------------------- git


@dataclass(frozen=True)
class GitOutcome:
    kind: str | None  # None (no error seen), auth-missing, auth-failed, not-found, network, exists, other
    line: str = ""  # the line that decided
    cloned_into: str | None = None  # from "Cloning into '/opt/repo/code'..."


_GIT_PATTERNS = (
    (
        "auth-failed",
        re.compile(
            r"Authentication failed|Invalid username or (?:password|token)|HTTP Basic: Access denied|"
            r"Password authentication is not supported|returned error: 403|Permission denied \(publickey",
            re.I,
        ),
    ),
    (
        "auth-missing",
        re.compile(
            r"could not read (?:Username|Password)|terminal prompts disabled|"
            r"Authentication required|HTTP 401|The requested URL returned error: 401",
            re.I,
        ),
    ),
    (
        "not-found",
        re.compile(
            r"Repository not found|repository '.*' not found|does not appear to be a git repository|"
            r"returned error: 404",
            re.I,
        ),
    ),
    (
        "network",
        re.compile(
            r"Could not resolve host|Failed to connect|Connection refused|Connection timed out|"
            r"Network is unreachable|Operation timed out|SSL certificate problem",
            re.I,
        ),
    ),
    ("exists", re.compile(r"destination path '.*' already exists", re.I)),
)
_CLONING = re.compile(r"Cloning into (?:bare repository )?'([^']+)'")


def parse_git_output(text: str) -> GitOutcome:
    """What a `git clone` log says: the kind of failure (first match by precedence) and where it cloned to.

    "Authentication failed" (credentials sent and refused) wins over a server's
    "authentication required": both lines appear when a wrong token is sent.
    """
    into = None
    for m in _CLONING.finditer(text):
        into = m.group(1)
    lines = text.splitlines()
    for kind, pattern in _GIT_PATTERNS:
        hits = [line.strip() for line in lines if pattern.search(line)]
        if hits:  # git's own `fatal:` line says it best; `remote:` lines are the server's words
            return GitOutcome(kind, next((h for h in hits if h.startswith("fatal:")), hits[0]), into)
    for line in lines:
        if line.startswith("fatal:") or line.startswith("error:"):
            return GitOutcome("other", line.strip(), into)
    return GitOutcome(None, "", into)


# --------------------------------------------------------------------------- program output

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def numbers_in(text: str) -> list[tuple[float, str]]:
    """Every number in `text` with the line it is on, in order."""
    out: list[tuple[float, str]] = []
    for line in text.splitlines():
        for m in _NUMBER.finditer(line):
            try:
                out.append((float(m.group(0)), line.strip()))
            except ValueError:
                continue
    return out


def key_values(text: str) -> dict[str, str]:
    """`index=2 rate=0.01` (also `key: value` on its own line) -> {"index": "2", "rate": "0.01"}; later wins."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        found = re.findall(r"([A-Za-z_][\w.-]*)=(\"[^\"]*\"|'[^']*'|\S*)", line)
        if found:
            for k, v in found:
                out[k] = v.strip("\"'")
        elif m := re.fullmatch(r"\s*([A-Za-z_][\w.-]*):\s+(\S.*?)\s*", line):
            out.setdefault(m.group(1), m.group(2))
    return out


def read_only_error(text: str) -> str | None:
    """The line saying a write failed because the filesystem is read-only (GNU, busybox, python variants)."""
    for line in text.splitlines():
        if re.search(r"Read-only file system|EROFS|\[Errno 30\]", line, re.I):
            return line.strip()
    return None
