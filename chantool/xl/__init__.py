"""Excel itself: the live-workbook adapter, the ribbon's dispatch and the cell functions.

This package is the only place that talks to xlwings (and through it to Excel's COM
objects); everything it computes comes from the engine. ``formulas`` holds the cell
functions as plain Python, ``udfs`` registers them with xlwings, ``live`` reads and
writes an open workbook, ``ribbon`` turns a button click into one of those.
"""
