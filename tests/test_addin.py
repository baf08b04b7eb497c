"""The add-in as independent readers see it: the ribbon XML against Microsoft's schema,
the VBA project through oletools and LibreOffice, the wiring between ribbon, VBA and the
Python dispatch, and building, installing and removing it."""

from __future__ import annotations

import ast
import inspect
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from xml.etree import ElementTree

import olefile
import pytest
import xmlschema
from click.testing import CliRunner
from oletools.mraptor import MacroRaptor
from oletools.olevba import VBA_Parser, decompress_stream

from chantool import addin
from chantool.cli import cli
from chantool.xl import ribbon, udfs
from tests.conftest import libreoffice_convert, needs_libreoffice

ROOT = Path(__file__).parent.parent
MACROS = ROOT / "macros"
SCHEMA = Path(__file__).parent / "schemas" / "customUI14.xsd"
NS = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return addin.build(tmp_path_factory.mktemp("addin") / "chantool.xlam")


@pytest.fixture(scope="module")
def decoded(built: Path) -> dict[str, str]:
    """Every module of the built add-in as oletools decodes it, by module name."""
    parser = VBA_Parser(str(built))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def buttons() -> list[ElementTree.Element]:
    return ElementTree.parse(MACROS / "customUI14.xml").getroot().findall(".//ui:button", NS)


def subs(source: str) -> dict[str, str]:
    """Public Subs of a VBA module: name -> parameter list."""
    return {match[1]: match[2] for match in re.finditer(
        r"^(?:Public\s+)?Sub\s+(\w+)\s*\(([^)]*)\)", source, re.M | re.I)}


def test_ribbon_xml_is_valid_against_customui14_xsd() -> None:
    schema = xmlschema.XMLSchema(str(SCHEMA))
    schema.validate(str(MACROS / "customUI14.xml"))


def test_ribbon_xml_is_utf8_and_declares_it() -> None:
    data = (MACROS / "customUI14.xml").read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"')
    assert "渠道工具" in data.decode("utf-8")


def test_ribbon_button_ids_are_the_python_dispatch_keys_with_the_same_labels() -> None:
    found = {button.get("id", ""): button for button in buttons()}
    assert list(found) == list(ribbon.BUTTONS)
    for key, button in found.items():
        assert button.get("label") == ribbon.BUTTONS[key].label
        assert button.get("supertip") == ribbon.BUTTONS[key].tip


def test_the_tab_has_the_issue_s_buttons_in_chinese() -> None:
    labels = {button.get("label") for button in buttons()}
    assert {"校验", "重算评分", "周报", "月报", "对账单", "看板", "清除标记", "帮助"} <= labels
    (tab,) = ElementTree.parse(MACROS / "customUI14.xml").getroot().findall(".//ui:tab", NS)
    assert tab.get("label") == "渠道工具"


def test_every_on_action_is_a_sub_taking_a_ribbon_control(decoded: dict[str, str]) -> None:
    callbacks = {name: parameters for source in decoded.values()
                 for name, parameters in subs(source).items()}
    actions = {button.get("onAction") for button in buttons()}
    assert actions == {"ChantoolButton"}  # one callback for every button
    for action in actions:
        assert action is not None
        assert re.fullmatch(r"\s*control\s+As\s+IRibbonControl\s*", callbacks[action], re.I)


def test_the_callback_passes_the_button_id_to_the_one_dispatch_function() -> None:
    source = (MACROS / "ChantoolRibbon.bas").read_text(encoding="ascii")
    assert 'RunPython "import chantool.xl.ribbon as ribbon; ribbon.dispatch(\'" & control.Id' \
        in source


def test_vba_chinese_messages_are_code_points_of_the_intended_text() -> None:
    code = "\n".join(line for line in (MACROS / "ChantoolRibbon.bas").read_text(
        encoding="ascii").splitlines() if not line.lstrip().startswith("'"))
    texts = ["".join(chr(int(point, 16)) for point in points.split())
             for points in re.findall(r'Zh\("([0-9A-F ]+)"\)', code)]
    assert texts == ["请先打开要处理的工作簿", "渠道工具"]


@pytest.mark.parametrize("name", ["ChantoolRibbon.bas", "chantool.conf"])
def test_macro_sources_are_ascii_with_crlf_line_ends(name: str) -> None:
    data = (MACROS / name).read_bytes()
    assert data.isascii()
    assert data.count(b"\n") == data.count(b"\r\n") > 0 and data.endswith(b"\r\n")


def test_oletools_decodes_every_module_byte_for_byte(decoded: dict[str, str]) -> None:
    for module in addin.modules():
        assert decoded[module.name].encode("ascii") == module.source.encode("ascii")
    assert set(decoded) == {"ThisWorkbook", "Sheet1", addin.XLWINGS_MODULE,
                            addin.RIBBON_MODULE, addin.UDF_MODULE}


def dir_records(data: bytes) -> list[tuple[int, bytes]]:
    """The records of a decompressed dir stream (MS-OVBA 2.3.4.2) up to its terminator,
    which must end the stream: Id, Size, Data each, save PROJECTVERSION, whose Size says 4
    but which carries 6 bytes."""
    records: list[tuple[int, bytes]] = []
    position = 0
    while not records or records[-1][0] != 0x0010:
        kind, size = struct.unpack_from("<HI", data, position)
        size = 6 if kind == 0x0009 else size
        records.append((kind, bytes(data[position + 6:position + 6 + size])))
        position += 6 + size
    assert position == len(data), "bytes after the dir stream's terminator"
    return records


@pytest.fixture(scope="module")
def vba_storage(built: Path) -> Iterator[olefile.OleFileIO[str]]:
    with zipfile.ZipFile(built) as archive:
        project = archive.read(addin.VBA_PROJECT_PART)
    storage = olefile.OleFileIO(io.BytesIO(project))
    yield storage
    storage.close()


def test_vba_project_stream_is_the_seven_bytes_a_writer_must_write(
        vba_storage: olefile.OleFileIO[str]) -> None:
    stream = vba_storage.openstream("VBA/_VBA_PROJECT").read()
    assert len(stream) == 7  # no PerformanceCache
    reserved1, version, reserved2 = struct.unpack_from("<HHB", stream)
    assert (reserved1, version, reserved2) == (0x61CC, 0xFFFF, 0x00)


def test_every_module_is_source_only_and_the_dir_stream_agrees(
        vba_storage: olefile.OleFileIO[str]) -> None:
    records = dir_records(decompress_stream(bytearray(vba_storage.openstream("VBA/dir").read())))
    (count,) = [struct.unpack("<H", data)[0] for kind, data in records if kind == 0x000F]
    streams = [data.decode("ascii") for kind, data in records if kind == 0x001A]
    offsets = [struct.unpack("<I", data)[0] for kind, data in records if kind == 0x0031]
    assert len(streams) == len(offsets) == count == 5
    assert offsets == [0] * count  # MODULEOFFSET: the source starts the stream
    stored = {name[1] for name in vba_storage.listdir() if name[0] == "VBA"}
    assert stored == {*streams, "_VBA_PROJECT", "dir"}  # no SRP cache stream either
    # The PROJECT stream declares the same modules, documents (0x0022) and standard
    # modules (0x0021) as the dir stream's MODULETYPE records say.
    names = [data.decode("ascii") for kind, data in records if kind == 0x0019]
    declared = re.findall(r"^(?:Document=(\w+)/|Module=(\w+)\r$)",
                          vba_storage.openstream("PROJECT").read().decode("ascii"), re.M)
    assert [document or module for document, module in declared] == names == streams
    assert [kind for kind, _ in records if kind in (0x0021, 0x0022)] == [
        0x0022 if document else 0x0021 for document, _ in declared]
    sources = {module.name: module.source for module in addin.modules()}
    for name in streams:
        stream = vba_storage.openstream(f"VBA/{name}").read()
        assert stream[0] == 0x01  # a CompressedContainer's signature byte, not p-code
        text = decompress_stream(bytearray(stream)).decode("ascii")
        assert text.startswith(f'Attribute VB_Name = "{name}"')
        if name in sources:
            assert text == sources[name]


def test_modules_are_ascii_with_crlf_line_ends() -> None:
    for module in addin.modules():
        data = module.source.encode("ascii")
        assert data.count(b"\n") == data.count(b"\r\n")


def test_only_the_function_help_runs_by_itself_and_it_writes_and_runs_nothing(
        decoded: dict[str, str]) -> None:
    for name, source in decoded.items():
        raptor = MacroRaptor(source)
        raptor.scan()
        assert raptor.autoexec == (name == addin.DOCUMENT_MODULE), name
        assert not raptor.suspicious, name  # no file written, no program started
    opened = re.search(r"^Private Sub Workbook_Open\(\)\r\n(.*?)^End Sub",
                       decoded[addin.DOCUMENT_MODULE], re.M | re.S)
    assert opened is not None
    statements = re.findall(r"^    (\w+(?:\.\w+)?)", opened[1], re.M)
    assert statements == ["On", *["Application.MacroOptions"] * len(udfs.UDFS)]


# --- the function wizard's help, as xlwings registers it ----------------------------------

class _Components:
    """VBProject.VBComponents: the module xlwings imports is kept as text."""

    def __init__(self) -> None:
        self.imported = ""

    def __call__(self, name: str) -> str:
        return name

    def Remove(self, component: object) -> None:
        pass

    def Import(self, path: str) -> None:
        self.imported = Path(path).read_text()


class _Recorder:
    """The parts of Excel's COM objects that xlwings' import_udfs calls: the book's name,
    Application.Version and MacroOptions, and VBProject.VBComponents."""

    def __init__(self) -> None:
        self.Name = "chantool.xlam"
        self.Version = "16.0"
        self.Application = self
        self.VBProject = self
        self.VBComponents = _Components()
        self.options: dict[str, dict[str, object]] = {}

    def MacroOptions(self, macro: str, **options: object) -> None:
        self.options[macro] = options


@pytest.fixture(scope="module")
def xlwings_sent() -> _Recorder:
    """What xlwings' own ``import_udfs`` (its Windows path, the one the xlwings add-in's
    Import Functions button runs) writes and sends Excel for ``chantool.xl.udfs``, with
    xlwings' Windows decorators in place of the no-op ones it gives elsewhere and
    stand-ins for the three pywin32 modules it imports."""
    import importlib.util
    import types

    import xlwings

    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = None  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        for module in (win32com, client, pythoncom, pywintypes):
            patch.setitem(sys.modules, module.__name__, module)
        from xlwings import udfs as windows

        try:
            patch.setattr(xlwings, "func", windows.xlfunc)
            patch.setattr(xlwings, "arg", windows.xlarg)
            spec = importlib.util.spec_from_file_location(
                addin.UDF_PYTHON_MODULE, ROOT / "chantool" / "xl" / "udfs.py")
            assert spec is not None and spec.loader is not None
            registered = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(registered)
            patch.setitem(windows.udf_modules, addin.UDF_PYTHON_MODULE,
                          {"module": registered, "filetime": None, "filename": ""})
            book = _Recorder()
            windows.import_udfs(addin.UDF_PYTHON_MODULE, book)  # type: ignore[no-untyped-call]
        finally:
            sys.modules.pop("xlwings.udfs", None)
            delattr(xlwings, "udfs")
    return book


def test_xlwings_sends_each_function_s_chinese_help_and_category(
        xlwings_sent: _Recorder) -> None:
    assert list(xlwings_sent.options) == sorted(
        f"'chantool.xlam'!{function.__name__}" for function in udfs.UDFS)
    for function in udfs.UDFS:
        options = xlwings_sent.options[f"'chantool.xlam'!{function.__name__}"]
        assert options["Category"] == "渠道工具"
        assert options["Description"] == function.__doc__
        arguments = options["ArgumentDescriptions"]
        assert isinstance(arguments, list)
        assert len(arguments) == len(inspect.signature(function).parameters)
        for text in [options["Description"], *arguments]:
            assert isinstance(text, str) and re.search("[\u4e00-\u9fff]", text), text
            assert not text.startswith("Positional argument")  # xlwings' default help
    rebate = xlwings_sent.options["'chantool.xlam'!CT_REBATE"]["ArgumentDescriptions"]
    assert rebate == ["数量", "返利政策表区域（含表头）", "型号，如 X100", "渠道类型，如 直供",
                      "可选：按哪一天生效的政策，默认今天"]


def _zh(codes: str) -> str:
    return "".join(chr(int(code, 16)) for code in codes.split())


def test_the_addin_registers_what_xlwings_would_send(
        decoded: dict[str, str], xlwings_sent: _Recorder) -> None:
    source = decoded[addin.DOCUMENT_MODULE]
    registered = {}
    for statement in re.split(r"^    Application\.MacroOptions ", source, flags=re.M)[1:]:
        name = re.match(r"""Macro:="'" & ThisWorkbook\.Name & "'!(\w+)", _""", statement)
        assert name is not None
        description, category, *arguments = (
            _zh(codes) for codes in re.findall(r'Zh\("([0-9A-F ]+)"\)', statement))
        registered[f"'chantool.xlam'!{name[1]}"] = {
            "Description": description, "Category": category,
            "ArgumentDescriptions": arguments}
    sent = {macro: {key: options[key] for key in ("Description", "Category",
                                                   "ArgumentDescriptions")}
            for macro, options in xlwings_sent.options.items()}
    assert registered == sent
    assert addin.zh_function(decoded[addin.RIBBON_MODULE]) in source


def test_the_udf_wrappers_are_the_ones_xlwings_writes(
        decoded: dict[str, str], xlwings_sent: _Recorder) -> None:
    def functions(module: str) -> dict[str, str]:
        return {match[1]: re.sub(r"\s+", " ", match[0]) for match in re.finditer(
            r"^Function (\w+)\(.*?^End Function", module, re.M | re.S)}

    assert functions(decoded[addin.UDF_MODULE]) == functions(xlwings_sent.VBComponents.imported)


def test_the_xlwings_module_is_the_installed_version_s_own(decoded: dict[str, str]) -> None:
    version = metadata.version("xlwings")
    source = decoded[addin.XLWINGS_MODULE]
    assert re.search(r"^'Version: (\S+)", source, re.M)[1] == version  # type: ignore[index]
    assert f'Public Const XLWINGS_VERSION As String = "{version}"' in source
    assert set(re.findall(r'xlwings(?:32|64)-([\d.]+)\.dll', source)) == {version}
    installed = Path(str(metadata.distribution("xlwings").locate_file(
        "xlwings/xlwings_custom_addin.bas"))).read_bytes().decode("ascii")
    assert source.replace('"chantool"', '"myaddin"') == installed
    assert 'Public Const PROJECT_NAME As String = "chantool"' in source


def test_udf_wrappers_call_xlwings_for_each_python_udf(decoded: dict[str, str]) -> None:
    source = decoded[addin.UDF_MODULE]
    declared = re.findall(r"^Function (\w+)\(([^)]*)\)", source, re.M)
    assert [name for name, _ in declared] == [function.__name__ for function in udfs.UDFS]
    assert ("CT_WORKDAYS", "start_date, end_date, Optional policy") in declared
    for name, _ in declared:
        assert f'XLPy.CallUDF("chantool.xl.udfs", "{name}", ' in source


def test_a_udf_argument_named_like_a_vba_keyword_is_refused() -> None:
    def CT_BAD(end: float) -> float:
        return end

    with pytest.raises(addin.AddinError, match="VBA 关键字"):
        addin.udf_module([CT_BAD])


def test_the_ribbon_part_is_related_from_the_package(built: Path) -> None:
    with zipfile.ZipFile(built) as archive:
        assert archive.read(addin.CUSTOM_UI_PART) == (MACROS / "customUI14.xml").read_bytes()
        rels = archive.read("_rels/.rels").decode("utf-8")
        types = archive.read("[Content_Types].xml").decode("utf-8")
    assert f'Type="{addin.CUSTOM_UI_REL}" Target="{addin.CUSTOM_UI_PART}"' in rels
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    again = addin.build(tmp_path / "again.xlam")
    assert again.read_bytes() == built.read_bytes()


@needs_libreoffice
def test_libreoffice_opens_the_addin_and_lists_its_modules(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "ods"
    libreoffice_convert(built, out, "ods", "--infilter=Calc MS Excel 2007 VBA XML")
    with zipfile.ZipFile(out / "chantool.ods") as archive:
        listed = {Path(name).stem for name in archive.namelist()
                  if name.startswith("Basic/VBAProject/") and not name.endswith("-lb.xml")}
        ribbon_module = archive.read(f"Basic/VBAProject/{addin.RIBBON_MODULE}.xml").decode()
    assert listed == {"ThisWorkbook", "Sheet1", addin.XLWINGS_MODULE, addin.RIBBON_MODULE,
                      addin.UDF_MODULE}
    assert "Sub ChantoolButton(control As IRibbonControl)" in ribbon_module


def test_install_puts_the_addin_in_xlstart_and_records_the_interpreter(tmp_path: Path) -> None:
    places = addin.Places(tmp_path / "XLSTART", tmp_path / "profile" / ".chantool" /
                          "chantool.conf")
    addin.install(places, interpreter=r"C:\Python311\python.exe")
    assert (places.xlstart / "chantool.xlam").read_bytes()[:2] == b"PK"
    assert places.config.read_bytes() == (
        b'"INTERPRETER_WIN","C:\\Python311\\python.exe"\r\n'
        b'"UDF MODULES","chantool.xl.udfs"\r\n')
    removed = addin.uninstall(places)
    assert removed == [places.xlstart / "chantool.xlam", places.config]
    assert not places.config.parent.exists()
    assert addin.uninstall(places) == []


def test_install_refuses_an_interpreter_path_with_quotes(tmp_path: Path) -> None:
    places = addin.Places(tmp_path / "XLSTART", tmp_path / "chantool.conf")
    with pytest.raises(addin.AddinError):
        addin.install(places, interpreter='C:\\"odd"\\python.exe')


@pytest.mark.skipif(sys.platform == "win32", reason="the refusal is for other systems")
def test_install_outside_windows_says_why_and_exits_2() -> None:
    result = CliRunner().invoke(cli, ["addin", "install"])
    assert result.exit_code == 2
    assert "插件只能安装在装有 Excel 的 Windows 电脑上" in result.output
    english = CliRunner().invoke(cli, ["addin", "install", "--lang", "en"])
    assert english.output.strip() == "the add-in installs on Windows with Excel only"
    assert CliRunner().invoke(cli, ["addin", "uninstall"]).exit_code == 2


def test_cli_builds_the_addin(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "my.xlam"
    result = CliRunner().invoke(cli, ["addin", "build", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(target)
    assert zipfile.is_zipfile(target)


def _python_files() -> Iterator[Path]:
    yield from (ROOT / "chantool").rglob("*.py")


def test_only_chantool_xl_imports_xlwings_and_nothing_imports_xlwings_pro() -> None:
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom)}
        uses_xlwings = any(name.split(".")[0] == "xlwings" for name in imported)
        assert not any(name.startswith("xlwings.pro") for name in imported), path
        assert not uses_xlwings or path.parent.name == "xl", path


def test_the_builder_loads_without_xlwings_or_excel() -> None:
    code = "import sys, chantool.addin; print('xlwings' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "False"


def test_install_over_a_locked_addin_says_to_close_excel_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    places = addin.Places(tmp_path / "XLSTART", tmp_path / "chantool.conf")

    def locked(source: object, target: object) -> None:
        raise PermissionError(13, "in use", str(target))

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(addin.AddinError, match="请先关闭 Excel"):
        addin.install(places, interpreter="python.exe")
    assert list(places.xlstart.iterdir()) == []


def test_the_recorded_interpreter_is_pythonw_when_there_is_one(tmp_path: Path) -> None:
    python = tmp_path / "python.exe"
    python.touch()
    assert addin.default_interpreter(str(python)) == str(python)
    (tmp_path / "pythonw.exe").touch()
    assert addin.default_interpreter(str(python)) == str(tmp_path / "pythonw.exe")
    assert addin.default_interpreter("/usr/bin/python3") == "/usr/bin/python3"


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_builds_the_same_addin(
        tmp_path: Path, built: Path) -> None:
    """``pip wheel`` of a copy of the source tree, installed (not editable) into a new
    venv whose only link to the checkout's environment is a path to its dependencies
    (so nothing is downloaded); run from elsewhere, its ``chantool addin build`` reads
    the package's own ``macros``."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("chantool", "macros"):
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(tmp_path / "dist"), str(source)], check=True)
    (wheel,) = (tmp_path / "dist").glob("chantool-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "chantool/macros/ChantoolRibbon.bas" in archive.namelist()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True)
    packages = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    (packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    found = subprocess.run([str(python), "-c", "from chantool import addin; "
                            "print(addin.macros_dir())"], cwd=tmp_path, env=environment,
                           capture_output=True, text=True, check=True)
    assert Path(found.stdout.strip()) == packages / "chantool" / "macros"
    target = tmp_path / "chantool.xlam"
    done = subprocess.run([str(python.with_name("chantool")), "addin", "build", "-o",
                           str(target)], cwd=tmp_path, env=environment,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == built.read_bytes()
