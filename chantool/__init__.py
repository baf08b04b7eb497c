"""chantool: validate channel-management workbooks and compute the channel rules.

The package is split into a pure engine (settings, findings, coercion, validation)
that works on plain tables of cell values, and thin adapters around it: ``io`` for
workbook files, ``cli`` for the terminal.
"""

__version__ = "0.1.0"
