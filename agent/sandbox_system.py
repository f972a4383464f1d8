"""What of the host system the bubblewrap sandbox shows (``agent.sandbox``): the
system folders read-only, Debian's merged-``/usr`` links, and the files of ``/etc``
shown empty; and whether ``bwrap`` can start a sandbox here at all."""

from __future__ import annotations

import glob
import os
import subprocess
from functools import cache

SYSTEM_DIRS = ("/usr", "/etc", "/opt")
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Under /etc, shown empty: password hashes, sudo rules, TLS and Kerberos keys, ssh host
# private keys (the ".pub" halves stay).
ETC_MASKED = ("shadow", "gshadow", "shadow-", "gshadow-", "sudoers", "sudoers.d",
              "ssl/private", "krb5.keytab", "security/opasswd", "ssh/ssh_host_*_key")  # fmt: skip


def etc_masked(etc: str = "/etc") -> list[str]:
    """The files and folders under ``etc`` to show empty (those that exist)."""
    return sorted(hit for name in ETC_MASKED for hit in glob.glob(os.path.join(etc, name)))


@cache
def bwrap_works(bwrap: str) -> str:
    """Empty when ``bwrap`` can start a sandbox here, else why not."""
    probe = [bwrap, "--ro-bind", "/usr", "/usr"]
    for link in SYSTEM_LINKS:
        if os.path.islink(link):
            probe += ["--symlink", os.readlink(link), link]
    probe += ["--proc", "/proc", "--dev", "/dev", "--unshare-pid", "--unshare-net",
              "--die-with-parent", "--cap-drop", "ALL", "--", "/usr/bin/true"]  # fmt: skip
    try:
        done = subprocess.run(
            probe, env={"PATH": os.defpath}, capture_output=True, timeout=10, check=False
        )
    except FileNotFoundError:
        return f"{bwrap} not found (install bubblewrap)"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{bwrap} does not start ({exc})"
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        return f"{bwrap} cannot create a sandbox here ({detail})"
    return ""
