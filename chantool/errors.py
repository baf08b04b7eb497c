"""Unexpected errors: their details go to a log file, never to the user's screen."""

from __future__ import annotations

import os
import tempfile
import traceback
from datetime import datetime
from pathlib import Path


def log_path() -> Path:
    """Where details of unexpected errors are kept (``CHANTOOL_LOG`` overrides it)."""
    configured = os.environ.get("CHANTOOL_LOG")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "chantool.log"


def log_exception(error: BaseException) -> Path:
    """Append the traceback of ``error`` to the log and return the log's path."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now().isoformat(timespec='seconds')}\n")
            log.write("".join(traceback.format_exception(error)))
    except OSError:
        pass  # the message to the user still goes out; only its details are lost
    return path
