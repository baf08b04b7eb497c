"""Allow ``python -m chantool``."""

from chantool.cli import main

main()
