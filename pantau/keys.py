"""Secrets Pantau makes for itself, and which hosts count as this machine only.

A secret a user may set (the pseudonym key, the dashboard's session key, the PostgreSQL roles'
passwords) is taken from its setting; when that is empty, it is made once, at random, and kept
in a file under the state directory that only its owner can read, so it stays the same between
runs and is never printed.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def kept_secret(path: Path, configured: str = "", *,
                make: Callable[[], str] = lambda: secrets.token_urlsafe(32)) -> str:
    """``configured`` when set, else the secret in ``path`` (made by ``make`` on first use).

    Two processes making it at once agree: the file is created exclusively, and the loser reads
    the winner's.
    """
    if configured:
        return configured
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(make() + "\n")
    return path.read_text().strip()


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1): this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve beyond this machine
