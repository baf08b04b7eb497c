"""A throwaway PostgreSQL server for the store's tests, started from Debian's binaries.

``initdb`` makes a cluster in a temporary folder with a password-protected superuser
(scram-sha-256, also over the local socket), the server listens on 127.0.0.1 on a free
port, and it is stopped and removed afterwards. initdb refuses to run as root: as root,
the cluster belongs to the ``postgres`` user that Debian's package creates.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SUPERUSER = "chantool_test"


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: on PATH, else Debian's newest."""
    found = shutil.which("initdb")
    if found is not None:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda path: int(path.parent.parent.name)
                      if path.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def throwaway_server() -> Iterator[str]:
    """A running server while the block runs; yields its superuser's URL (with password)."""
    folder = binaries()
    if folder is None:
        raise RuntimeError("PostgreSQL's initdb was not found")
    home = Path(tempfile.mkdtemp(prefix="chantool-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    password = secrets.token_urlsafe(16)
    secret = home / "password"
    secret.write_text(password)
    if as_user:
        shutil.chown(secret, "postgres")
    data, port = home / "data", _free_port()

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True,
                              timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")

    run(str(folder / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "scram-sha-256",
        f"--pwfile={secret}", "--no-sync", "-E", "UTF8", "--locale=C")
    secret.unlink()
    settings = (f"-c listen_addresses=127.0.0.1 -p {port} -k {home} -c fsync=off "
                "-c full_page_writes=off -c synchronous_commit=off")
    run(str(folder / "pg_ctl"), "-D", str(data), "-o", settings, "-l", str(home / "log"),
        "-w", "start")
    try:
        yield f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres"
    finally:
        run(str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)
