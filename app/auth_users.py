"""The users file of access control: ``user:hash`` lines, read and written safely.

The file is htpasswd-style, one ``user:hash`` line per user (blank lines and ``#`` comments
allowed), where ``hash`` is a ``werkzeug.security.generate_password_hash`` string (scrypt by
default, pbkdf2 accepted). Passwords are never stored, logged or echoed; all cryptography is
werkzeug's. ``python -m app.auth add-user FILE USER`` (see ``main``) writes a line.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import os
import re
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
HASH_METHODS = ("scrypt", "pbkdf2")
MIN_PASSWORD_LENGTH = 8


class UsersFileError(ValueError):
    """The users file (``PCE_AUTH_FILE``) or an ``add-user`` argument is unusable."""


@dataclass(frozen=True)
class User:
    """One account: its name and werkzeug password hash (never the password)."""

    name: str
    password_hash: str

    @property
    def fingerprint(self) -> str:
        """A short digest of the hash, so sessions end when the password changes."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


def parse_users(text: str, source: str) -> dict[str, User]:
    """Users of a users file's text; errors name the line (never print a hash)."""
    users: dict[str, User] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, password_hash = line.partition(":")
        where = f"{source}, line {number}"
        if not sep or not USER_NAME.match(name):
            raise UsersFileError(
                f"{where}: expected 'user:hash' with a user name of letters, digits and ._@+- "
                f"(got a line starting {line[:20]!r}); create lines with "
                "`python -m app.auth add-user FILE USER`.")
        if password_hash.split(":", 1)[0] not in HASH_METHODS or password_hash.count("$") != 2:
            raise UsersFileError(
                f"{where}: the hash of user {name!r} is not a werkzeug scrypt/pbkdf2 hash; "
                "set the password again with `python -m app.auth add-user --replace FILE USER`.")
        if name in users:
            raise UsersFileError(f"{where}: user {name!r} appears twice; keep one line.")
        users[name] = User(name, password_hash)
    return users


class UserStore:
    """The users of a file, re-read when the file changes (add a user without a restart)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._users: dict[str, User] = {}
        self._dummy = generate_password_hash("not a password: equalises timing")
        self.users()  # fail at start-up, not at the first login

    def users(self) -> dict[str, User]:
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise UsersFileError(
                f"PCE_AUTH_FILE {str(self.path)!r} cannot be read ({exc.strerror}); create it "
                "with `python -m app.auth add-user FILE USER`.") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._users = parse_users(self.path.read_text(encoding="utf-8"), str(self.path))
                self._stamp = stamp
            return self._users

    def get(self, name: str) -> User | None:
        return self.users().get(name)

    def verify(self, name: str, password: str) -> User | None:
        """The user if the password matches, else None; same work for unknown users."""
        user = self.get(name)
        ok = check_password_hash(user.password_hash if user else self._dummy, password)
        return user if ok and user is not None else None

    def from_session_id(self, session_id: str) -> User | None:
        name, _, fingerprint = session_id.partition(":")
        user = self.get(name)
        if user is None or not hmac.compare_digest(user.fingerprint, fingerprint):
            return None
        return user


def add_user(path: Path, name: str, password: str, *, replace: bool = False) -> None:
    """Write ``name:hash`` into the users file (created 0600); atomic replace of the file."""
    if not USER_NAME.match(name):
        raise UsersFileError(f"user name {name!r} is not accepted: use 1-64 letters, digits "
                             "or ._@+- (starting with a letter or digit).")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsersFileError(f"the password has {len(password)} characters; at least "
                             f"{MIN_PASSWORD_LENGTH} are needed.")
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    existing = parse_users(text, str(path))
    if name in existing and not replace:
        raise UsersFileError(f"user {name!r} already exists in {path}; pass --replace to set "
                             "a new password.")
    line = f"{name}:{generate_password_hash(password)}"
    lines = [line if raw.strip().partition(":")[0] == name else raw for raw in text.splitlines()]
    if name not in existing:
        lines.append(line)
    _write_private(path, "\n".join(lines) + "\n")


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:  # mkstemp creates it 0600
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _read_password() -> str:
    if not sys.stdin.isatty():  # piped: one line, e.g. from a secrets manager
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise UsersFileError("the two passwords differ; nothing was written.")
    return first


def main(argv: list[str] | None = None) -> int:
    """``python -m app.auth add-user [--replace] FILE USER``; the password comes from stdin."""
    parser = argparse.ArgumentParser(prog="python -m app.auth",
                                     description="Manage the users file of PCE_AUTH_FILE.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-user", help="add a user (password read from the terminal "
                              "without echo, or one line of stdin)")
    add.add_argument("file", type=Path)
    add.add_argument("user")
    add.add_argument("--replace", action="store_true",
                     help="set a new password for an existing user")
    args = parser.parse_args(argv)
    try:
        add_user(args.file, args.user, _read_password(), replace=args.replace)
    except UsersFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"user {args.user!r} written to {args.file}", file=sys.stderr)
    return 0
