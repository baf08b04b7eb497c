"""Building, installing and removing the Excel add-in (``chantool.xlam``), without Excel.

The add-in is built from text: the VBA modules and the ribbon XML in ``macros/``, the
VBA module of the installed xlwings (its custom-add-in flavour, so the DLL version it
names always matches the installed package), a module of UDF wrappers generated
from ``chantool.xl.udfs``, and, in ``ThisWorkbook``, the registration xlwings'
``import_udfs`` would send Excel for those functions (``MacroOptions``: description,
category and argument help for the function wizard), run each time the add-in opens.
pyOpenVBA writes the VBA project; every module is then source only (no compiled code)
and the ``_VBA_PROJECT`` stream is the 7 bytes MS-OVBA 2.3.4.1 asks of a writer, version
0xFFFF and no performance cache, so that Excel compiles the project from source instead
of trusting a cache built by another Office. The ribbon goes in as a ``customUI14``
part. Every zip entry gets a fixed time, so two builds are the same bytes.

``install`` puts the add-in into Excel's XLSTART folder (files there are trusted, so
Excel does not block the macros of a downloaded file) and records the Python
interpreter in xlwings' user configuration for the add-in; ``uninstall`` removes both.
"""

from __future__ import annotations

import csv
import importlib.util
import inspect
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from pyopenvba import ExcelFile
from pyopenvba.cfb import CFB
from pyopenvba.vba import compress, decompress

from chantool.texts import TextError

PROJECT_NAME: Final = "chantool"
ADDIN_NAME: Final = "chantool.xlam"
XLWINGS_MODULE: Final = "xlwings"
RIBBON_MODULE: Final = "ChantoolRibbon"
UDF_MODULE: Final = "ChantoolUdfs"
DOCUMENT_MODULE: Final = "ThisWorkbook"
UDF_PYTHON_MODULE: Final = "chantool.xl.udfs"
CUSTOM_UI_PART: Final = "customUI/customUI14.xml"
# The relationship type of a customUI14 part (the 2007 type names the 2009 schema).
CUSTOM_UI_REL: Final = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOM_UI_REL_ID: Final = "rIdChantoolRibbon"
# The key of the add-in's configuration naming the store the 归档 button archives into
# (the name of the environment variable the command line reads it from).
STORE_KEY: Final = "CHANTOOL_DB"
# xlwings' custom add-in module names its project once; its configuration file and
# sheet are named after it (%USERPROFILE%\.chantool\chantool.conf).
_PROJECT_LINE: Final = 'Public Const PROJECT_NAME As String = "myaddin"'
_FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)
# VBA's longest physical line; MacroOptions takes at most 255 characters a text.
_VBA_LINE: Final = 1023
_MACRO_OPTIONS_TEXT: Final = 255
VBA_PROJECT_PART: Final = "xl/vbaProject.bin"
# MS-OVBA 2.3.4.1 as written: Reserved1 0x61CC, Version 0xFFFF ("MUST be 0xFFFF on
# write"), Reserved2 0x00, Reserved3 (undefined; 0x0001 as in the spec's example 3.1.1)
# and no PerformanceCache ("MUST NOT be present on write").
VBA_PROJECT_STREAM: Final = bytes.fromhex("cc61ffff000100")
# The dir stream ends with Terminator 0x0010 and Reserved 0x00000000 (MS-OVBA 2.3.4.2);
# pyOpenVBA 6.5 writes 4 more zero bytes after it, which Excel never does.
_DIR_END: Final = bytes.fromhex("100000000000")
# Words VBA reserves: a UDF argument by one of these names would not compile.
VBA_RESERVED: Final = frozenset({
    "and", "as", "boolean", "byref", "byte", "byval", "call", "case", "const", "currency",
    "date", "declare", "dim", "do", "double", "each", "else", "elseif", "empty", "end", "enum",
    "eqv", "erase", "error", "event", "exit", "false", "for", "friend", "function", "get",
    "global", "gosub", "goto", "if", "imp", "implements", "in", "integer", "is", "let", "lib",
    "like", "long", "loop", "lset", "me", "mod", "new", "next", "not", "nothing", "null", "on",
    "option", "optional", "or", "paramarray", "preserve", "private", "public", "raiseevent",
    "redim", "rem", "resume", "return", "rset", "select", "set", "single", "static", "step",
    "stop", "string", "sub", "then", "to", "true", "type", "typeof", "until", "variant", "wend",
    "while", "with", "withevents", "xor"
})


class AddinError(TextError):
    """Why the add-in could not be built, installed or removed (``addin_`` texts)."""

    prefix = "addin_"


def macros_dir() -> Path:
    """The ``macros/`` folder: in the package of an installed wheel (``setup.py`` copies
    it there), else beside the package (a checkout or an editable install)."""
    package = Path(__file__).resolve().parent
    shipped = package / "macros"
    return shipped if shipped.is_dir() else package.parent / "macros"


def xlwings_version() -> str:
    return metadata.version("xlwings")


def xlwings_module() -> str:
    """xlwings' own VBA module for custom add-ins, from the installed package (found
    without importing xlwings), with the add-in's project name."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise AddinError("no_xlwings")
    source = (Path(spec.origin).parent / "xlwings_custom_addin.bas").read_bytes().decode("ascii")
    if source.count(_PROJECT_LINE) != 1:
        raise AddinError("xlwings_changed", version=xlwings_version())
    return source.replace(_PROJECT_LINE, _PROJECT_LINE.replace("myaddin", PROJECT_NAME))


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _ascii(name: str, text: str) -> str:
    if not text.isascii():
        raise AddinError("not_ascii", name=name)
    return text


def udf_module(functions: Sequence[Callable[..., Any]] | None = None) -> str:
    """The VBA wrappers of the UDFs, as xlwings' ``ImportPythonUDFs`` writes them for an
    add-in: each calls ``CallUDF`` with the Python module and function name."""
    if functions is None:
        from chantool.xl.udfs import UDFS

        functions = UDFS
    lines = [f'Attribute VB_Name = "{UDF_MODULE}"',
             f"'Generated by chantool addin build from {UDF_PYTHON_MODULE}; "
             "changes are lost on the next build.",
             "#Const App = \"Microsoft Excel\" 'Adjust when using outside of Excel"]
    for function in functions:
        name = function.__name__
        parameters = list(inspect.signature(function).parameters.values())
        for parameter in parameters:
            if parameter.name.lower() in VBA_RESERVED:
                raise AddinError("vba_keyword", name=name, argument=parameter.name)
        signature = ", ".join(
            ("Optional " if parameter.default is not inspect.Parameter.empty else "")
            + parameter.name for parameter in parameters)
        arguments = ", ".join(parameter.name for parameter in parameters)
        lines += [
            f"Function {name}({signature})",
            '    #If App = "Microsoft Excel" Then',
            "        If TypeOf Application.Caller Is Range Then On Error GoTo failed",
            f'        {name} = XLPy.CallUDF("{UDF_PYTHON_MODULE}", "{name}", '
            f"Array({arguments}), ActiveWorkbook, Application.Caller)",
            "        Exit Function",
            "    #Else",
            f'        {name} = XLPy.CallUDF("{UDF_PYTHON_MODULE}", "{name}", Array({arguments}))',
            "        Exit Function",
            "    #End If",
            "failed:",
            f"    {name} = Err.Description",
            "End Function",
            "",
        ]
    return _crlf("\n".join(lines))


def _code_points(text: str) -> str:
    """``text`` as the argument of the VBA modules' ``Zh`` (UTF-16 code units in hex)."""
    data = text.encode("utf-16-be")
    return " ".join(data[index:index + 2].hex().upper() for index in range(0, len(data), 2))


def zh_function(ribbon: str) -> str:
    """The ribbon module's private ``Zh`` (Chinese text from code points), which the
    registration code uses too: VBA modules share nothing private, and a public function
    of a module would show up in Excel as a worksheet function."""
    found = re.search(r"^Private Function Zh\(.*?^End Function\r?$", ribbon, re.M | re.S)
    if found is None:
        raise AddinError("no_zh", module=RIBBON_MODULE)
    return found[0]


def registration(ribbon: str, functions: Sequence[Callable[..., Any]] | None = None) -> str:
    """The ``ThisWorkbook`` code of the add-in: when it opens, it gives Excel each
    function's description, category and argument help, as xlwings' ``import_udfs`` does
    through ``MacroOptions`` (with the macro named ``'book'!name`` and each text cut at 255
    characters). A failure there loses only help text, so it never stops the add-in."""
    from chantool.xl.udfs import HELP, UDFS

    lines = ["Option Explicit",
             f"' Generated by chantool addin build from {UDF_PYTHON_MODULE}; "
             "changes are lost on the next build.",
             "' Excel's function wizard shows this help; see xlwings' import_udfs.",
             "Private Sub Workbook_Open()",
             "    On Error Resume Next"]
    for function in functions or UDFS:
        name = function.__name__
        if name not in HELP:
            raise AddinError("no_help", name=name)
        texts = [HELP[name].description, HELP[name].category, *HELP[name].arguments]
        description, category, *arguments = (
            f'Zh("{_code_points(text[:_MACRO_OPTIONS_TEXT])}")' for text in texts)
        macro = '"\'" & ThisWorkbook.Name & "\'!' + name + '"'
        lines += [f"    Application.MacroOptions Macro:={macro}, _",
                  f"        Description:={description}, _",
                  f"        Category:={category}, _",
                  "        ArgumentDescriptions:=Array( _",
                  *[f"            {argument}, _" for argument in arguments[:-1]],
                  f"            {arguments[-1]})"]
    lines += ["End Sub", "", zh_function(ribbon)]
    too_long = [line for line in lines if len(line) > _VBA_LINE]
    if too_long:
        raise AddinError("help_too_long", line=too_long[0][:60])
    return _crlf("\n".join(lines) + "\n")


@dataclass(frozen=True)
class Module:
    name: str
    source: str  # ASCII, CRLF


def _ribbon_source(folder: Path) -> str:
    return (folder / f"{RIBBON_MODULE}.bas").read_bytes().decode("ascii", errors="replace")


def modules(macros: Path | None = None) -> tuple[Module, ...]:
    """The add-in's VBA modules in project order: xlwings', the ribbon's, the UDFs'."""
    folder = macros or macros_dir()
    ribbon = _ribbon_source(folder)
    return (
        Module(XLWINGS_MODULE, _ascii(XLWINGS_MODULE, _crlf(xlwings_module()))),
        Module(RIBBON_MODULE, _ascii(RIBBON_MODULE, _crlf(ribbon))),
        Module(UDF_MODULE, _ascii(UDF_MODULE, udf_module())),
    )


def build(target: Path, macros: Path | None = None) -> Path:
    """Write the add-in to ``target`` from ``macros/`` and the installed xlwings."""
    folder = macros or macros_dir()
    ribbon = folder / "customUI14.xml"
    if not ribbon.is_file():
        raise AddinError("no_macros", path=ribbon)
    with tempfile.TemporaryDirectory(prefix="chantool-addin-") as temporary:
        draft = Path(temporary) / ADDIN_NAME
        book = ExcelFile.create_new(draft)
        try:
            project = book.vba_project()
            project.delete_module("Module1")  # the template's empty module
            for name in project.module_names():
                # A rewritten module is saved source only (MODULEOFFSET 0): the template's
                # document modules would otherwise keep the compiled code of its Office.
                document = project.get_module(name)
                document.body = document.body
            project.get_module(DOCUMENT_MODULE).body = _ascii(
                DOCUMENT_MODULE, registration(_ribbon_source(folder)))
            for module in modules(folder):
                project.add_module(module.name, module.source)
            book.save()
        finally:
            book.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        _finish(draft, target, ribbon.read_bytes())
    return target


def _finish(draft: Path, target: Path, ribbon: bytes) -> None:
    """Copy the draft with the ribbon part added and every entry at a fixed time."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        with zipfile.ZipFile(draft) as source, zipfile.ZipFile(partial, "w") as out:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "_rels/.rels":
                    data = _with_ribbon_rel(data.decode("utf-8")).encode("utf-8")
                elif info.filename == VBA_PROJECT_PART:
                    data = _without_cache(data)
                out.writestr(_entry(info.filename), data)
            out.writestr(_entry(CUSTOM_UI_PART), ribbon)
        # One rename: Excel never finds a half-written add-in (and a locked one, open in
        # Excel on Windows, stays as it was).
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _without_cache(project: bytes) -> bytes:
    """The VBA project with its ``_VBA_PROJECT`` stream as MS-OVBA asks a writer for
    (pyOpenVBA only zeroes the template's cache, keeping its version and length) and its
    dir stream ending at the terminator."""
    storage = CFB.from_bytes(project)
    storage.write_stream_in_storage("VBA", "_VBA_PROJECT", VBA_PROJECT_STREAM)
    records = decompress(storage.get_stream_in_storage("VBA", "dir"))
    if records.endswith(_DIR_END + bytes(4)):
        storage.write_stream_in_storage("VBA", "dir", compress(records[:-4]))
    written: bytes = storage.to_bytes()
    return written


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, _FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _with_ribbon_rel(rels: str) -> str:
    rels = re.sub(r'<Relationship\b[^>]*?ui/extensibility"[^>]*/>', "", rels)
    own = (f'<Relationship Id="{CUSTOM_UI_REL_ID}" Type="{CUSTOM_UI_REL}" '
           f'Target="{CUSTOM_UI_PART}"/>')
    return rels.replace("</Relationships>", own + "</Relationships>", 1)


# --- install / uninstall ------------------------------------------------------------------

@dataclass(frozen=True)
class Places:
    """Where the add-in and its configuration go."""

    xlstart: Path
    config: Path


def windows_places() -> Places:
    """Excel's per-user XLSTART folder and xlwings' user configuration of the add-in."""
    if sys.platform != "win32":
        raise AddinError("not_windows")
    appdata, profile = os.environ.get("APPDATA"), os.environ.get("USERPROFILE")
    if not appdata or not profile:
        raise AddinError("no_folders")
    return Places(Path(appdata) / "Microsoft" / "Excel" / "XLSTART", config_path())


def config_path() -> Path:
    r"""xlwings' user configuration of the add-in, ``%USERPROFILE%\.chantool\chantool.conf``
    (in the home folder where ``USERPROFILE`` is unset)."""
    profile = os.environ.get("USERPROFILE") or str(Path.home())
    return Path(profile) / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


# xlwings reads its configuration with VBA's Input #, in the system code page.
_CONFIG_ENCODING: Final = "mbcs" if sys.platform == "win32" else "utf-8"


def config_values(path: Path) -> dict[str, str]:
    """The ``"KEY","VALUE"`` lines of an xlwings configuration file; none if it is absent."""
    try:
        lines = path.read_bytes().decode(_CONFIG_ENCODING, errors="replace").splitlines()
    except FileNotFoundError:
        return {}
    return {row[0]: row[1] for row in csv.reader(lines) if len(row) == 2}


def config_text(interpreter: str, macros: Path | None = None, store: str | None = None) -> str:
    """xlwings' configuration for the add-in, from ``macros/chantool.conf``, with the store
    the 归档 button archives into (``STORE_KEY``) when one is given."""
    # Bytes, not text: the file keeps its CRLF line ends, as VBA's Input # expects.
    template = ((macros or macros_dir()) / f"{PROJECT_NAME}.conf").read_bytes().decode("ascii")
    if '"' in interpreter:
        raise AddinError("bad_interpreter", path=interpreter)
    text = template.replace("{interpreter}", interpreter)
    if store is None:
        return text
    if '"' in store:
        raise AddinError("bad_store", store=store)
    if urlsplit(store).password is not None:
        raise AddinError("store_password")
    return text + f'"{STORE_KEY}","{store}"\r\n'


def default_interpreter(executable: str = sys.executable) -> str:
    """This Python, as pythonw.exe when there is one beside it: xlwings then starts it
    without a console window flashing up."""
    windowless = Path(executable).with_name("pythonw.exe")
    return str(windowless) if Path(executable).name.lower() == "python.exe" \
        and windowless.is_file() else executable


def install(places: Places | None = None, interpreter: str | None = None,
            macros: Path | None = None, store: str | None = None) -> Places:
    """Build the add-in into XLSTART and record the interpreter that runs chantool, and
    the store of the 归档 button: ``store``, else the one configured before."""
    where = places or windows_places()
    python = interpreter or default_interpreter()
    store = store or config_values(where.config).get(STORE_KEY)
    text = config_text(python, macros, store)
    try:
        where.xlstart.mkdir(parents=True, exist_ok=True)
        build(where.xlstart / ADDIN_NAME, macros)
        where.config.parent.mkdir(parents=True, exist_ok=True)
        # A path that is not ASCII is written in the system code page (mbcs on Windows).
        where.config.write_bytes(text.encode(_CONFIG_ENCODING))
    except PermissionError:
        raise AddinError("cannot_install", path=where.xlstart) from None
    return where


def uninstall(places: Places | None = None) -> list[Path]:
    """Remove the add-in and its configuration; returns what was removed."""
    where = places or windows_places()
    removed = []
    try:
        for path in (where.xlstart / ADDIN_NAME, where.config):
            if path.exists():
                path.unlink()
                removed.append(path)
        if where.config.parent.is_dir() and not any(where.config.parent.iterdir()):
            shutil.rmtree(where.config.parent)
    except PermissionError as error:
        raise AddinError("cannot_remove", path=error.filename) from None
    return removed
