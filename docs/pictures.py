"""Regenerate the README's pictures of the reports: each report of the province example
(as of 2025-06-29), its first page rendered by LibreOffice headless to PNG, into this
folder as ``report_KIND.png``.

    python docs/pictures.py

Needs LibreOffice with its graphic filters (Debian: libreoffice-calc-nogui and
libreoffice-draw-nogui) and a Chinese font (fonts-wqy-microhei), else the characters
show as boxes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "examples" / "浙江省_渠道台账_2025Q2.xlsx"
KINDS = ("weekly", "monthly", "statements", "dashboard")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for kind in KINDS:
            out = work / kind
            subprocess.run([sys.executable, "-m", "chantool", "report", kind, str(SOURCE),
                            "--as-of", "2025-06-29", "--out", str(out)], check=False,
                           capture_output=True)
            (report,) = out.glob("*.xlsx")
            subprocess.run(["soffice", "--headless",
                            f"-env:UserInstallation=file://{work}/profile",
                            "--convert-to", "png", "--outdir", str(out), str(report)],
                           check=True, capture_output=True)
            picture = ROOT / "docs" / f"report_{kind}.png"
            shutil.copyfile(report.with_suffix(".png"), picture)
            print(picture.relative_to(ROOT))


if __name__ == "__main__":
    main()
