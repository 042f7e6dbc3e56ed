"""The dashboard's login: named users with scrypt password hashes, and the session signing key.

The users file (``PANTAU_SERVE_USERS_FILE``, default ``{state}/dashboard-users``) holds one
``name:hash`` line per user, written by ``pantau serve --add-user NAME``; blank lines and lines
starting with ``#`` are ignored. A hash describes itself::

    scrypt$16384$8$1$<salt, base64>$<key, base64>

(``hashlib.scrypt`` with cost n, block size r and parallelism p, a random 16-byte salt and a
32-byte key), so the cost can be raised later without breaking the lines already written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import secrets
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from pantau.exceptions import TerminalError
from pantau.keys import is_loopback, kept_secret

log = logging.getLogger(__name__)

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1  # 16 MiB of memory and about 50 ms per hash
SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
SESSION_KEY_FILE = "dashboard-session.key"


class UsersFileError(TerminalError):
    """A line of the users file is not ``name:hash``."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        super().__init__(
            f"{path}, line {line}: {problem} — each line must be NAME:HASH as `pantau serve "
            "--add-user NAME` writes it; fix or delete that line, then add the user again.")


class LoginRequiredError(TerminalError):
    """The dashboard would listen beyond loopback with no user to log in."""

    def __init__(self, host: str, users_file: Path) -> None:
        self.host = host
        self.users_file = users_file
        super().__init__(
            f"the dashboard would listen on {host}, beyond this machine, but the users file "
            f"{users_file} (PANTAU_SERVE_USERS_FILE) has no users, so anyone could read it — add "
            "one with `pantau serve --add-user NAME`, or set PANTAU_SERVE_HOST=127.0.0.1.")


class PasswordError(TerminalError):
    """A new password is unusable (empty, too short or too long)."""


class UserNameError(TerminalError):
    """A new user name is unusable."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"the user name {name[:70]!r} is not {_NAME_RULE} — choose another.")


_NAME_RULE = "1-64 letters, digits, '_', '.', '@' or '-' (starting with a letter or digit)"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    """The self-describing scrypt hash of ``password`` with a new random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                         maxmem=256 * 1024 * 1024)
    return f"{SCHEME}${n}${r}${p}${_b64(salt)}${_b64(key)}"


@dataclass(frozen=True)
class _Hash:
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes


def parse_hash(encoded: str) -> _Hash:
    """The parts of a hash written by :func:`hash_password`.

    Raises:
        ValueError: ``encoded`` is not such a hash; the message says what is wrong.
    """
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise ValueError(f"the hash is not {SCHEME}$N$R$P$SALT$KEY")
    try:
        n, r, p = (int(part) for part in parts[1:4])
    except ValueError:
        raise ValueError("the scrypt parameters N, R and P are not whole numbers") from None
    if n < 2 or n & (n - 1) or not 1 <= r <= 64 or not 1 <= p <= 16 or n * r > 2**24:
        raise ValueError(f"the scrypt parameters n={n}, r={r}, p={p} are out of range")
    try:
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except binascii.Error:
        raise ValueError("the salt or the key is not base64") from None
    if not salt or len(key) < 16:
        raise ValueError("the salt is empty or the key is shorter than 16 bytes")
    return _Hash(n, r, p, salt, key)


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded`` (compared in constant time)."""
    try:
        parsed = parse_hash(encoded)
    except ValueError:
        return False
    key = hashlib.scrypt(password.encode(), salt=parsed.salt, n=parsed.n, r=parsed.r, p=parsed.p,
                         dklen=len(parsed.key), maxmem=256 * 1024 * 1024)
    return hmac.compare_digest(key, parsed.key)


#: Checked when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def read_users(path: Path) -> dict[str, str]:
    """The ``{name: hash}`` of the users file; empty when the file does not exist.

    Raises:
        UsersFileError: a line is malformed (the message names the file and the line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise UsersFileError(path, 1, "the file is not UTF-8 text") from None
    users: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, encoded = line.partition(":")
        if not colon:
            raise UsersFileError(path, number, "there is no ':' between the name and the hash")
        if not USER_NAME.fullmatch(name):
            raise UsersFileError(path, number, f"the user name {name[:70]!r} is not {_NAME_RULE}")
        if name in users:
            raise UsersFileError(path, number, f"the user {name!r} is there twice")
        try:
            parse_hash(encoded)
        except ValueError as error:
            raise UsersFileError(path, number, str(error)) from None
        users[name] = encoded
    return users


def check_new_password(password: str) -> None:
    """Raise :class:`PasswordError` unless ``password`` is 8 to 1024 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"the password is shorter than {MIN_PASSWORD_LENGTH} characters — "
                            "choose a longer one.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters.")


def add_user(path: Path, name: str, password: str) -> bool:
    """Add ``name`` to the users file, or replace its password; True when it was replaced.

    The file is rewritten atomically (a new file renamed over it), readable by its owner only.

    Raises:
        UsersFileError: the file has a malformed line.
        UserNameError: ``name`` is not a valid user name.
        PasswordError: the password is too short or too long.
    """
    if not USER_NAME.fullmatch(name):
        raise UserNameError(name)
    check_new_password(password)
    users = read_users(path)
    replaced = name in users
    users[name] = hash_password(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("# Dashboard users of `pantau serve`: NAME:HASH, written by "
                         "`pantau serve --add-user NAME`.\n")
            handle.writelines(f"{user}:{encoded}\n" for user, encoded in users.items())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return replaced


class Users:
    """The users file as the running dashboard sees it: reread when it changes on disk.

    A user added with ``pantau serve --add-user`` can log in without a restart, and a user
    removed from the file loses access at the next request. A file that turns malformed while
    the dashboard runs is reported in the log and the users read before are kept.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._users = read_users(path)
        self._identity = self._stat()

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def _current(self) -> dict[str, str]:
        with self._lock:
            identity = self._stat()
            if identity != self._identity:
                try:
                    self._users = read_users(self.path)
                    self._identity = identity
                except UsersFileError as error:
                    log.warning("dashboard: keeping the users read before: %s", error)
            return self._users

    def __len__(self) -> int:
        return len(self._current())

    def __contains__(self, name: object) -> bool:
        return name in self._current()

    def verify(self, name: str, password: str) -> bool:
        """True when ``name`` is a user and ``password`` is theirs (same cost either way)."""
        encoded = self._current().get(name)
        if encoded is None:
            verify_password(password, _DUMMY_HASH)
            return False
        return verify_password(password, encoded)


def login_users(host: str, users_file: Path) -> Users | None:
    """The users to log in, or None when the dashboard may stay open (loopback, no users).

    Raises:
        LoginRequiredError: ``host`` is not loopback and the users file has no users.
        UsersFileError: the users file has a malformed line.
    """
    users = Users(users_file)
    if len(users):
        return users
    if not is_loopback(host):
        raise LoginRequiredError(host, users_file)
    return None


def session_key(configured: str, state_dir: Path) -> str:
    """The key that signs session cookies: ``configured`` (PANTAU_SERVE_SESSION_KEY), or the one
    kept in ``{state}/dashboard-session.key`` (created once, random, readable by its owner only).
    Never printed."""
    return kept_secret(state_dir / SESSION_KEY_FILE, configured,
                       make=lambda: secrets.token_urlsafe(48))
