"""The xlwings Lite edition's files: the main.py and requirements.txt to paste into
xlwings Lite, and the wheel of chantool they install.

xlwings Lite installs what its requirements.txt lists with Pyodide's micropip: pure
wheels from PyPI, packages built for Pyodide from Pyodide's own repository, and a
wheel from any URL the browser may fetch (the server must allow cross-origin requests).
chantool's own distribution requires the desktop libraries (python-calamine, openpyxl,
xlwings' Windows parts, ...), which do not install there, so the Lite edition is a
wheel of its own, ``chantool-lite``: exactly the modules the Lite scripts and cell
functions import (found by importing them), requiring only pydantic and chinesecalendar.
"""

from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Final

import chantool

DIST: Final = "chantool_lite"
# What the CI test installs under Pyodide 314 (Python 3.14) and runs (.ci/run downloads
# exactly these). pydantic is pinned although Pyodide's own repository has it (2.12.5 in
# Pyodide 314.0.8, older than chantool needs): 2.14.4 pins pydantic-core 2.50.5, whose
# WebAssembly build for this Pyodide is on PyPI.
PINNED: Final = ("pydantic==2.14.4", "chinesecalendar==1.11.0", "xlwings==0.37.8")
ENTRY_MODULES: Final = ("chantool.xl.lite", "chantool.xl.udfs", "chantool.report")
# Imported only when used (scorers, rules): every module of these packages goes in.
ENTRY_PACKAGES: Final = ("chantool.rules", "chantool.scoring")


def wheel_name() -> str:
    return f"{DIST}-{chantool.__version__}-py3-none-any.whl"


def lite_modules() -> list[str]:
    """The chantool modules the Lite edition imports, found by importing its entry
    modules and every module of its entry packages in a fresh interpreter."""
    code = ("import importlib, pkgutil, sys\n"
            f"for name in {ENTRY_MODULES + ENTRY_PACKAGES!r}: importlib.import_module(name)\n"
            f"for name in {ENTRY_PACKAGES!r}:\n"
            "    for found in pkgutil.iter_modules(sys.modules[name].__path__, name + '.'):\n"
            "        importlib.import_module(found.name)\n"
            "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] == 'chantool')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return done.stdout.split()


def wheel() -> bytes:
    """chantool-lite's wheel."""
    root = Path(chantool.__file__).parent
    files: dict[str, bytes] = {}
    for module in lite_modules():
        relative = Path(*module.split("."))
        source = root.parent / relative / "__init__.py"
        if not source.exists():
            source = (root.parent / relative).with_suffix(".py")
        files[source.relative_to(root.parent).as_posix()] = source.read_bytes()
    files["chantool/py.typed"] = b""
    info = f"{DIST}-{chantool.__version__}.dist-info"
    requires = "".join(f"Requires-Dist: {requirement}\n" for requirement in
                       ("pydantic>=2.13,<3", "chinesecalendar>=1.11,<2"))
    files[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {DIST}\nVersion: {chantool.__version__}\n"
        "Summary: chantool's engine and Excel layout for xlwings Lite\n"
        f"Requires-Python: >=3.11\n{requires}").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: chantool lite build\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in files.items()]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,", ""]).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            # A fixed time, so the same sources give the same wheel.
            archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def requirements(url: str) -> str:
    """requirements.txt for xlwings Lite, installing the wheel from ``url`` (a folder)."""
    lines = ["# 渠道工具 chantool (xlwings Lite)", *PINNED,
             f"{url.rstrip('/')}/{wheel_name()}", ""]
    return "\n".join(lines)


def build(folder: Path, url: str) -> list[Path]:
    """Write main.py, requirements.txt and the wheel into ``folder``; their paths. Each
    file is written beside its place and then moved there, so none is left half-written."""
    folder.mkdir(parents=True, exist_ok=True)
    main = (Path(chantool.__file__).parent / "xl" / "lite_main.py").read_bytes()
    return [_put(folder / "main.py", main),
            _put(folder / "requirements.txt", requirements(url).encode()),
            _put(folder / wheel_name(), wheel())]


def _put(path: Path, data: bytes) -> Path:
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    part.replace(path)
    return path

