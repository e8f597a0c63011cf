"""Tool-output parsing on recorded real output, passing and failing variants."""

from __future__ import annotations

from checks.parsing import parse_df, parse_mounts, size_to_bytes

GNU_DF_P = """Filesystem     1024-blocks     Used Available Capacity Mounted on
overlay          263174212 12345678 237382452       5% /
/dev/vda         263174212 12345678 237382452       5% /mnt/myscratch
shm                  65536        0     65536       0% /dev/shm
"""

GNU_DF_H = """Filesystem      Size  Used Avail Use% Mounted on
overlay         270G   13G  243G   6% /
/dev/vda        270G   13G  243G   6% /mnt/myscratch
overlay         270G   13G  243G   6% /
tmpfs           8.6G     0  8.6G   0% /mytmp
shm              68M     0   68M   0% /dev/shm
"""

BUSYBOX_WRAPPED = """Filesystem           1K-blocks      Used Available Use% Mounted on
/dev/mapper/vg0-very-long-logical-volume-name
                      263174212  12345678 237382452   5% /
tmpfs                   262144         0    262144   0% /mytmp
"""

GNU_DF_T = """Filesystem     Type     1K-blocks     Used Available Use% Mounted on
overlay        overlay  263174212 12345678 237382452   5% /
tmpfs          tmpfs       262144        0    262144   0% /mytmp
"""

MOUNTS = """overlay / overlay rw,relatime,lowerdir=/var/lib/x 0 0
/dev/vda /mnt/myscratch ext4 rw,relatime 0 0
tmpfs /mytmp tmpfs rw,relatime,size=262144k 0 0
shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0
"""


def test_posix_df():
    rows = parse_df(GNU_DF_P)
    assert [(r.filesystem, r.mounted_on) for r in rows] == [("overlay", "/"), ("/dev/vda", "/mnt/myscratch"), ("shm", "/dev/shm")]
    assert rows[2].size_bytes == 65536 * 1024


def test_human_df_si_and_binary():
    rows = parse_df(GNU_DF_H, si=True)
    assert rows[3].mounted_on == "/mytmp" and rows[3].size_bytes == int(8.6 * 1000**3)
    assert rows[4].size_bytes == 68 * 1000**2
    assert parse_df(GNU_DF_H)[4].size_bytes == 68 * 1024**2


def test_wrapped_device_name_joins_next_line():
    rows = parse_df(BUSYBOX_WRAPPED)
    assert rows[0].filesystem == "/dev/mapper/vg0-very-long-logical-volume-name" and rows[0].mounted_on == "/"
    assert rows[1].mounted_on == "/mytmp"


def test_df_with_type_column():
    rows = parse_df(GNU_DF_T)
    assert [(r.fstype, r.mounted_on) for r in rows] == [("overlay", "/"), ("tmpfs", "/mytmp")]


def test_mounts_and_sizes():
    mounts = parse_mounts(MOUNTS)
    assert mounts["/mytmp"] == ("tmpfs", "tmpfs") and mounts["/mnt/myscratch"] == ("/dev/vda", "ext4")
    assert size_to_bytes("1.5Gi") == int(1.5 * 1024**3)
    assert size_to_bytes("64M") == 64 * 1024**2
    assert size_to_bytes("nonsense") is None
