"""The words of chantool's face: the terminal's words, the command line's help and
messages, and click's own messages, each text once with its Chinese and English side by
side (findings and reasons have their own catalogue in ``findings.py``).

The language of a run is chosen before click parses anything (``choose_lang``), because
click formats ``--help`` and usage errors while it parses: ``--lang en`` or ``--lang zh``
anywhere on the command line wins, then the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``,
the first that is set, as POSIX orders them): English for an ``en`` locale, Chinese for
anything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from chantool.findings import Lang

# key: (Chinese, English). Keys "cmd.X" are the help of command X (a sub-command's path
# joined by "."), "opt.X" the help of option X (by its parameter name; "opt.C.X" for one
# command's own), "meta.X" the placeholder shown for a value.
TEXTS: Final[dict[str, tuple[str, str]]] = {
    # The terminal's words (render.py)
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "ok": ("通过", "ok"),
    "findings": ("有问题", "errors"),
    "warned": ("有警告", "warnings"),
    "unreadable": ("无法读取", "unreadable"),
    "file": ("文件", "File"),
    "status": ("状态", "Status"),
    "errors": ("错误", "Errors"),
    "warnings": ("警告", "Warnings"),
    "total": ("合计（{count} 个文件）", "Total ({count} files)"),
    "checking": ("校验中", "Checking"),
    "scoring": ("评分中", "Scoring"),
    "archiving": ("归档中", "Archiving"),
    "pace": ("{rate:.1f} 个文件/秒，剩余 {left}", "{rate:.1f} files/s, {left} left"),
    "no_files": ("没有找到要校验的 .xlsx/.xlsm 文件", "No .xlsx/.xlsm file to check was found"),
    "more_rows": ("另有 {count} 行，见 --format json 或用 --out 写回的“评分”表",
                  "{count} more rows: see --format json or the Scores sheet written with --out"),
    "more_columns": ("另有 {count} 列未显示，见 --format json 或用 --out 写回的“评分”表",
                     "{count} more columns: see --format json or the Scores sheet written "
                     "with --out"),
    "more_rows_columns": ("另有 {rows} 行、{columns} 列未显示，见 --format json 或用 --out "
                          "写回的“评分”表",
                          "{rows} more rows and {columns} more columns: see --format json or "
                          "the Scores sheet written with --out"),
    # Messages of the command line (cli.py)
    "not_a_date": ("“{value}”不是日期（例如 2025-06-30、2025/6/30、2025.6.30、20250630）",
                   "'{value}' is not a date (e.g. 2025-06-30, 2025/6/30, 2025.6.30, 20250630)"),
    "exists": ("{path} 已存在，加 --force 覆盖", "{path} exists; add --force to overwrite it"),
    "cannot_write": ("无法写入 {path}：{reason}", "cannot write {path}: {reason}"),
    "out_or_in_place": ("--out 与 --in-place 只能选一个", "use one of --out and --in-place"),
    "bad_month": ("“{value}”不是月份（例如 2025-06）", "'{value}' is not a month (e.g. 2025-06)"),
    "score_needs_input": ("请给出要评分的文件或文件夹，或用 --db 从历史库评分",
                          "give the files or folders to score, or --db to score from the "
                          "history store"),
    "policy_needs_combine": ("--policy 需要 --combine 或 --db",
                             "--policy needs --combine or --db"),
    "scope_needs_db": ("--office、--from、--to 只用于从历史库评分（--db，不给路径）",
                       "--office, --from and --to are for scoring from the store (--db "
                       "without paths)"),
    "scope_backwards": ("--from {first} 在 --to {last} 之后",
                        "--from {first} is after --to {last}"),
    "db_no_in_place": ("从历史库评分时没有可改的文件：用 --out 文件夹写出评分工作簿",
                       "scoring from the store changes no file: use --out DIR for a Scores "
                       "workbook"),
    "report_db_no_paths": ("报表不记录运行：用 --db 时不给路径，报表取自历史库中各文件的当前版本",
                           "a report records no run: with --db give no paths, and the report "
                           "is of the current versions in the history store"),
    "combine_no_policy": ("--policy 指定的工作簿没有“参数”工作表",
                          "the workbook named by --policy has no policy sheet"),
    "score_scope_all": ("全部", "all"),
    "score_written": ("评分工作簿已写入 {path}", "Scores workbook written to {path}"),
    "mark_needs_out": ("--mark 需要 --out 目录 或 --in-place", "--mark needs --out or --in-place"),
    "target_over_input": ("--out 会把结果写到输入文件 {path} 上；要修改原文件请用 --in-place"
                          "（会保留 .bak 备份），或换一个输出文件夹",
                          "--out would write over the input file {path}; to change the files "
                          "themselves use --in-place (a .bak copy is kept), or another folder"),
    "target_clash": ("{first} 和 {second} 都会写到 {target}",
                     "{first} and {second} would both be written to {target}"),
    "installed": ("已安装，请重新打开 Excel：{path}", "installed, restart Excel: {path}"),
    "lite_https": ("须以 https:// 开头（Excel 只从 HTTPS 网址取得文件）",
                   "must start with https:// (Excel fetches files from HTTPS only)"),
    "nothing_installed": ("未找到已安装的插件", "nothing installed"),
    "internal_error": ("chantool 内部错误：{error}（详情已记录在 {log}）",
                       "chantool internal error: {error} (details logged in {log})"),
    # Why a written file was not put in place (io.output.OutputError)
    "output_broken_zip": ("写出的文件损坏（{part}）", "the written file is damaged ({part})"),
    "output_no_room": ("工作表“{sheet}”的数据右边没有空列写结果（已用到最后一列 XFD），未写入",
                       "sheet '{sheet}' has no free column right of its data for the results "
                       "(its last column, XFD, is in use): nothing written"),
    "output_bad_xml": ("写出的部件 {part} 不是合法的 XML：{error}",
                       "the written part {part} is not well-formed XML: {error}"),
    "output_package_problems": ("写出的文件结构有误（{problems}），已放弃写入",
                                "the written file's structure is wrong ({problems}); "
                                "nothing was written"),
    "output_cells_changed": ("写出后工作表“{sheet}”的数据与原文件不一致，已放弃写入",
                             "sheet '{sheet}' did not read back as it was; nothing was written"),
    "output_part_changed": ("写出后部件 {part} 与原文件不一致，已放弃写入",
                            "the written part {part} differs from the original; nothing was "
                            "written"),
    # Why the add-in could not be built, installed or removed (addin.AddinError)
    "addin_no_zh": ("{module}.bas 中找不到 Zh 函数", "no Zh function in {module}.bas"),
    "addin_no_help": ("单元格函数 {name} 没有说明文字（chantool.xl.udfs.cell_function）",
                      "cell function {name} has no help text (chantool.xl.udfs.cell_function)"),
    "addin_help_too_long": ("函数说明超出 VBA 一行的长度：{line}...",
                            "function help too long for a VBA line: {line}..."),
    "addin_no_xlwings": ("未安装 xlwings，无法生成插件", "xlwings is not installed"),
    "addin_xlwings_changed": ("xlwings {version} 的 VBA 模块格式有变，无法生成插件",
                              "the VBA module of xlwings {version} changed: its project "
                              "name line was not found"),
    "addin_not_ascii": ("VBA 模块 {name} 含非 ASCII 字符", "VBA module {name} is not ASCII"),
    "addin_vba_keyword": ("单元格函数 {name} 的参数 {argument} 是 VBA 关键字",
                          "UDF {name}: argument {argument} is a VBA keyword"),
    "addin_no_macros": ("找不到 {path}（macros 文件夹）", "{path} not found (macros folder)"),
    "addin_not_windows": ("插件只能安装在装有 Excel 的 Windows 电脑上",
                          "the add-in installs on Windows with Excel only"),
    "addin_no_folders": ("找不到 APPDATA 或 USERPROFILE 文件夹", "APPDATA or USERPROFILE is unset"),
    "addin_bad_interpreter": ("解释器路径不能含引号：{path}",
                              "the interpreter's path cannot hold quotes: {path}"),
    "addin_bad_store": ("数据库地址不能含引号：{store}",
                        "the store's URL may not hold quotes: {store}"),
    "addin_store_password": (
        "数据库地址中不要写密码：密码放在 %APPDATA%\\postgresql\\pgpass.conf 中",
        "keep the password out of the store's URL: put it in "
        "%APPDATA%\\postgresql\\pgpass.conf"),
    "addin_cannot_install": ("无法写入 {path}：请先关闭 Excel 再安装",
                             "cannot write into {path}: close Excel and retry"),
    "addin_cannot_remove": ("无法删除 {path}：请先关闭 Excel 再卸载",
                            "cannot remove {path}: close Excel and retry"),
    # Help of the commands
    "cmd": ("chantool：渠道管理工作簿的校验与计算工具。\n\n"
            "默认用中文；加 --lang en，或在英文区域设置（LC_ALL、LC_MESSAGES 或 LANG 为 en_*）下"
            "用英文。",
            "chantool: checks channel-management workbooks and computes what the channel "
            "rules demand.\n\nChinese by default; English with --lang en or an English "
            "locale (LC_ALL, LC_MESSAGES or LANG set to en_*)."),
    "cmd.new": ("生成标准模板工作簿（book 含全部工作表）。",
                "Create a standard template workbook (book holds every sheet)."),
    "cmd.validate": ("校验工作簿（文件或文件夹），按工作表和单元格列出每个问题。\n\n"
                     "加 --out 或 --in-place 时同时写入校验结果列和“校验结果”工作表。",
                     "Check workbooks (files or folders) and report every problem by sheet "
                     "and cell.\n\nWith --out or --in-place the check column and the Issues "
                     "sheet are written too."),
    "cmd.score": ("计算渠道制度要求的结果：拜访达标、考核与排名、返利与提成、渠道分级与风险"
                  "（文件或文件夹）。\n\n加 --out 或 --in-place 时同时写入结果列、标记、"
                  "“校验结果”和“评分”工作表。\n\n"
                  "--combine 把给出的所有工作簿当作一本评分（跨办事处、跨月排名）；"
                  "只给 --db 不给路径时从历史库评分。",
                  "Compute what the channel rules demand: visit compliance, assessment and "
                  "rankings, rebates and commission, grades and risk (files or folders).\n\n"
                  "With --out or --in-place the result columns, marks, Issues and Scores "
                  "sheets are written too.\n\n"
                  "--combine scores every workbook given as one book (rankings across "
                  "offices and months); --db without paths scores from the history store."),
    "cmd.report": ("为每个工作簿生成报表（新的工作簿，原文件不变）：weekly 夕会周报、"
                   "monthly 月度考核、statements 对账单、dashboard 管理层看板。\n\n"
                   "加 --combine 时所有工作簿合并为一本，只生成一份报表；用 --db 而不给路径时，"
                   "报表取自历史库中各文件的当前版本。",
                   "Write a report for each workbook (a new workbook; the files themselves are "
                   "not changed): weekly review, monthly assessment, dealer statements, "
                   "management dashboard.\n\nWith --combine, one report of every workbook "
                   "as one book; with --db and no paths, one report of the current versions "
                   "in the history store."),
    "cmd.addin": ("Excel 插件：生成、安装到 Excel（Windows）、卸载。",
                  "The Excel add-in: build it, install it into Excel (Windows), remove it."),
    "cmd.addin.build": ("用 macros/ 和已安装的 xlwings 生成 chantool.xlam（任何系统）。",
                        "Build chantool.xlam from macros/ and the installed xlwings (any OS)."),
    "cmd.addin.install": ("把插件放进 Excel 的 XLSTART 文件夹并记下本 Python（Windows）。",
                          "Put the add-in into Excel's XLSTART folder and record this Python "
                          "(Windows)."),
    "cmd.addin.uninstall": ("删除插件及其配置（Windows）。",
                            "Remove the add-in and its configuration (Windows)."),
    "cmd.lite": ("xlwings Lite 版：无需安装 Python，在 Excel 中使用 chantool。",
                 "The xlwings Lite edition: Excel without installing Python."),
    "cmd.lite.build": ("生成要粘贴到 xlwings Lite 的文件（main.py、requirements.txt）及所需的"
                       " chantool 安装包。",
                       "Write the files to paste into xlwings Lite, and chantool's wheel "
                       "for it."),
    # The history store (chantool.history)
    "history_bad_url": ("“{url}”不是 SQLite 文件或 postgresql:// 地址",
                        "“{url}” is neither a SQLite file nor a postgresql:// URL"),
    "history_failed": ("数据库 {store} 出错：{detail}", "the store {store} failed: {detail}"),
    "history_missing": ("没有找到数据库文件 {store}（先用 chantool archive 归档）",
                        "no store file {store} (archive files with chantool archive first)"),
    "history_newer": ("数据库 {store} 的结构版本 {found} 比本程序新，请升级 chantool",
                      "the store {store} has schema version {found}, newer than this "
                      "chantool: upgrade chantool"),
    "history_foreign": ("数据库 {store} 里已有别的表，不是 chantool 的历史库，chantool 不往里写："
                        "请指定新的文件或空的数据库",
                        "the store {store} holds tables of its own and is not a chantool "
                        "store, which chantool does not write into: name a new file or an "
                        "empty database"),
    "history_archived": ("{path}：已归档为 {name} 第 {version} 版",
                         "{path}: archived as {name} version {version}"),
    "history_replaced": ("（取代第 {replaced} 版）", " (supersedes version {replaced})"),
    "history_accepted": ("，含 {errors} 个错误（--accept-errors）",
                         ", with {errors} errors (--accept-errors)"),
    "history_unchanged": ("{path}：内容未变，已是 {name} 第 {version} 版，未改动",
                          "{path}: unchanged, already {name} version {version}; nothing changed"),
    "history_unchanged_superseded": (
        "（第 {version} 版已被第 {superseded} 版取代，评分用的是 {name} 的当前版本）",
        " (version {version} was superseded by version {superseded}: scoring uses the "
        "current version of {name})"),
    "history_refused": (
        "{path}：有 {errors} 个错误，未归档（修正后再归档，或加 --accept-errors）：",
        "{path}: {errors} errors, not archived (fix them, or add --accept-errors):"),
    "history_unreadable": ("{path}：未归档：{reason}", "{path}: not archived: {reason}"),
    "history_summary": ("已归档 {archived} 个，未变 {unchanged} 个，被拒 {refused} 个，"
                        "无法归档 {unreadable} 个",
                        "{archived} archived, {unchanged} unchanged, {refused} refused, "
                        "{unreadable} not archived"),
    "history_empty": ("{store} 中还没有归档的文件", "{store} holds no archived file yet"),
    "history_none_in_scope": ("{store} 中没有符合 --office、--from、--to 的当前文件",
                              "{store} holds no current file for --office, --from and --to"),
    "history_current": ("当前", "current"),
    "history_superseded": ("已被第 {version} 版取代", "superseded by version {version}"),
    "history_header": ("文件|版本|办事处|期间|归档时间|状态|错误|警告|SHA-256|来源",
                       "File|Version|Office|Period|Archived|Status|Errors|Warnings|SHA-256|From"),
    "history_no_run": ("历史库中没有第 {run} 次运行", "the store has no run {run}"),
    "history_runs_empty": ("{store} 中还没有记录的运行（score 加 --db 时记录）",
                           "{store} holds no recorded run yet (score records with --db)"),
    "history_runs_header": ("编号|记录时间|版本|截至|输入|文件|错误|警告|无法读取",
                            "Run|Recorded|Version|As of|Inputs|Files|Errors|Warnings|"
                            "Unreadable"),
    "history_run_title": ("第 {run} 次运行：记录于 {recorded}，chantool {version}，截至 {as_of}",
                          "Run {run}: recorded {recorded}, chantool {version}, as of {as_of}"),
    "history_inputs_header": ("序号|输入|SHA-256|库中版本编号",
                              "No.|Input|SHA-256|Stored version id"),
    "history_unread": ("（无法读取）", "(could not be read)"),
    "history_policy_title": ("参数（用于 {paths}）", "Policy (of {paths})"),
    "history_policy_header": ("参数|值", "Key|Value"),
    "history_recorded": ("已记录为第 {run} 次运行（{store}）", "recorded as run {run} in {store}"),
    # The 归档 button of the Excel add-in (chantool.xl.ribbon.archive)
    "ribbon_archive_unsaved": ("请先保存工作簿，再点“归档”：归档的是磁盘上保存的文件",
                               "save the workbook first: 归档 keeps the file saved on disk"),
    "ribbon_archive_no_store": (
        "没有设置归档用的历史库：请关闭 Excel，运行 chantool addin install --db 数据库地址"
        "（设置保存在 {config}）",
        "no history store is set for 归档: close Excel and run chantool addin install --db "
        "URL (the setting is kept in {config})"),
    "ribbon_archive_failed": ("归档未能完成：{reason}", "not archived: {reason}"),
    "ribbon_archive_more": ("……共 {count} 个错误：请先点“校验”查看并修正，再归档",
                            "... {count} errors in all: press 校验 to see them, fix them, "
                            "then archive"),
    "ribbon_archive_store": ("历史库：{store}", "history store: {store}"),
    "cmd.archive": ("校验工作簿（文件或文件夹）并存入历史库；同名文件再次归档即取代上一版。",
                    "Validate workbooks (files or folders) and keep them in the history "
                    "store; a file archived again under its name supersedes the version "
                    "before."),
    "cmd.history": ("历史库：已归档的文件及其各版本。",
                    "The history store: the files archived and their versions."),
    "cmd.history.files": ("列出每个已归档的文件和版本，以及哪一版是当前版。",
                          "List every archived file and version, and which version is "
                          "current."),
    "cmd.history.runs": ("列出记录的评分运行（score 加 --db 时记录）。",
                         "List the recorded score runs (score records them with --db)."),
    "cmd.history.show": ("按 score 当时的输出重新显示一次运行的结果，以及它的输入和参数。",
                         "Show a run's results again as score printed them, with its "
                         "inputs and policy."),
    # Help of the options
    "opt.lang": ("消息和标签的语言。", "Language of messages and labels."),
    "opt.new.lang": ("模板的语言（工作表名、列名、说明）。",
                     "Language of the template (sheet names, labels, hints)."),
    "opt.fmt": ("输出格式。", "Output format."),
    "opt.as_of": ("检查的基准日期 [默认：今天]。", "Date the checks count from [default: today]."),
    "opt.channels": ("另一个工作簿，其“渠道档案”表列出已有的渠道编码。",
                     "Workbook whose 渠道档案 sheet lists the known channel ids."),
    "opt.mark": ("标出有问题的单元格（红/黄底色、批注）；需要 --out 或 --in-place。",
                 "Mark problem cells (red/yellow fill, note); needs --out or --in-place."),
    "opt.in_place": ("直接修改文件本身（保留 .bak 备份）。",
                     "Change the files themselves (a .bak copy is kept)."),
    "opt.out": ("把写入结果的副本放进此文件夹。", "Write changed copies into this folder."),
    "opt.jobs": ("同时处理的文件数 [默认：全部 CPU 核]。",
                 "Files checked in parallel [default: all cores]."),
    "opt.time_limit": ("每个文件允许的秒数。", "Seconds allowed per file."),
    "opt.memory_limit": ("每个文件允许的内存（MB）。", "Memory allowed per file, in MB."),
    "opt.sample": ("在模板中填入示例数据。", "Fill the template with sample rows."),
    "opt.force": ("路径已存在时覆盖。", "Overwrite PATH if it exists."),
    "opt.lite.build.output": ("存放 main.py、requirements.txt 和安装包的文件夹。",
                              "The folder to write main.py, requirements.txt and the wheel "
                              "into."),
    "opt.db": ("历史库：SQLite 文件或 postgresql://... 地址"
               " [默认：$CHANTOOL_DB，否则为当前文件夹的 chantool.db]。",
               "The history store: a SQLite file or postgresql://... "
               "[default: $CHANTOOL_DB, else chantool.db here]."),
    "opt.score.db": ("历史库：SQLite 文件或 postgresql://... 地址。给了路径时评这些文件并把这次运行"
                     "（输入、参数、结果）记录到库里；不给路径时从库里评分，只用各文件的当前版本，"
                     "也记录这次运行。",
                     "A history store: a SQLite file or postgresql://... URL. With paths: score "
                     "them and record the run (inputs, policy, results) in the store; without "
                     "paths: score from the store, the current version of each file, and "
                     "record the run."),
    "opt.addin.install.db": ("“归档”按钮存入的历史库：SQLite 文件或 postgresql://... 地址"
                             "（不含密码）[默认：上次安装时设的]。",
                             "The history store the add-in's archive button keeps "
                             "workbooks in: a SQLite file or postgresql://... URL (no "
                             "password) [default: the one set before]."),
    "opt.combine": ("把所有给出的工作簿当作一本评分：排名、办事处得分和季度黄牌跨文件计算，"
                    "文件之间的冲突作为问题列出。",
                    "Score every workbook given as one book: rankings, office scores and "
                    "quarter cards across files; what files say differently is a finding."),
    "opt.policy": ("以此工作簿的“参数”表为准（与 --combine 或 --db 一起用）。",
                   "Use the policy sheet of this workbook (with --combine or --db)."),
    "opt.office": ("只评此办事处的文件（与 --db 一起用）。",
                   "Score this office's files only (with --db)."),
    "opt.month_from": ("只评此月及以后的文件（如 2025-05，与 --db 一起用）。",
                       "Score the files of this month on (YYYY-MM, with --db)."),
    "opt.month_to": ("只评此月及以前的文件（如 2025-06，与 --db 一起用）。",
                     "Score the files up to this month (YYYY-MM, with --db)."),
    "opt.accept_errors": ("有错误的文件也归档。", "Archive files with error findings too."),
    "opt.url": ("安装包将放在的网址文件夹（须允许 CORS）。",
                "The web folder the wheel will be served from (it must allow CORS)."),
    "opt.report.combine": ("把所有给出的工作簿当作一本评分，生成一份报表：排名、办事处得分和"
                           "季度黄牌跨文件计算。",
                           "Score every workbook given as one book and write one report of "
                           "it: rankings, office scores and quarter cards across files."),
    "opt.report.db": ("历史库：SQLite 文件或 postgresql://... 地址。不给路径，报表取自库中"
                      "各文件的当前版本（合为一本，与 score --db 相同；不记录运行）。",
                      "A history store: a SQLite file or postgresql://... URL. Give no "
                      "paths: the report is of the current version of each file in it, as "
                      "one book (as score --db scores it; no run is recorded)."),
    "opt.report.out": ("报表写入此文件夹 [默认：当前文件夹]。",
                       "Write the reports into this folder [default: the current folder]."),
    "opt.output": ("插件的保存位置。", "Where to write the add-in."),
    "opt.version": ("显示版本并退出。", "Show the version and exit."),
    "opt.help": ("显示本帮助并退出。", "Show this message and exit."),
    "version": ("chantool，版本 {version}", "chantool, version {version}"),
    # The reports (chantool/reports): titles, sheets, tables and charts
    "report.as_of": ("截至 {as_of} · 数据来源 {source}", "As of {as_of} · from {source}"),
    "report.none": ("（无）", "(none)"),
    "report.combined": ("合并", "combined"),
    "report.store": ("历史库", "history"),
    "report.more": ("{names} 等 {count} 个工作簿", "{names} and more: {count} workbooks"),
    "separator": ("、", ", "),
    "report.footer": ("&L{title}&C截至 {as_of}&R第 &P 页，共 &N 页",
                      "&L{title}&CAs of {as_of}&RPage &P of &N"),
    # A sheet of pages (a manager's statements): its pages counted under its name.
    "report.footer.pages": ("&L{title}&C截至 {as_of}&R&A · 第 &P 页，共 &N 页",
                            "&L{title}&CAs of {as_of}&R&A · page &P of &N"),
    "report.no_chart": ("{title}：无数据，未作图", "{title}: no data to chart"),
    "report.weekly": ("夕会周报", "Weekly review"),
    "report.monthly": ("月度考核", "Monthly assessment"),
    "report.statements": ("对账单", "Statements"),
    "report.dashboard": ("管理层看板", "Dashboard"),
    "report.area": ("区域", "Area"),
    "report.overview": ("概览", "Overview"),
    "report.visits": ("拜访达标", "Visits"),
    "report.visit_compliance": ("各区域拜访达标率", "Visit compliance by region"),
    "report.weekly.this_week": ("本周经营（按区域、客户经理）", "The week by area and manager"),
    "report.weekly.sales_chart": ("周销量与目标", "Weekly sales against the target"),
    "report.weekly.segments_chart": ("两段销量（周六至周二、周三至周五）",
                                     "Sales by segment (Sat-Tue, Wed-Fri)"),
    "report.weekly.active_chart": ("本周活动渠道数", "Active channels this week"),
    "report.weekly.week": ("本周", "This week"),
    "report.weekly.visits": ("各渠道拜访达标", "Visit compliance per channel"),
    "report.weekly.due": ("本周待办", "Due this week"),
    "report.weekly.open_items": ("已逾期和七天内到期的跟进与整改",
                                 "Follow-ups and fixes overdue or due within 7 days"),
    "report.weekly.profiles": ("逾期未完成的渠道档案", "Profiles overdue"),
    "report.weekly.all_weeks": ("各周", "All weeks"),
    "report.monthly.kpi_chart": ("客户经理考核得分", "Managers' assessment scores"),
    "report.monthly.office_chart": ("办事处渠道考核得分", "Offices' channel scores"),
    "report.monthly.tier_chart": ("分级客户：目标与实际", "Customers per tier: target and actual"),
    "report.monthly.training_chart": ("培训考试成绩", "Training test scores"),
    "report.monthly.ranking": ("排名", "Ranking"),
    "report.monthly.ranking_title": ("客户经理月度排名（奖励与黄牌）",
                                     "Managers' monthly ranking (rewards and yellow cards)"),
    "report.monthly.quarter": ("本季度", "Quarter"),
    "report.monthly.quarter_title": ("本季度各月的黄牌与处理",
                                     "Cards and actions of the quarter, by month"),
    "report.monthly.offices": ("办事处与分级", "Offices and tiers"),
    "report.monthly.training": ("培训", "Training"),
    "report.monthly.training_title": ("培训考试（R-25）", "Training tests (R-25)"),
    "report.statements.to": ("渠道：{channel} {name}　客户经理：{manager}",
                             "Channel: {channel} {name}   Manager: {manager}"),
    "report.statements.no_manager": ("无客户经理", "No manager"),
    "report.dashboard.sheet": ("看板", "Dashboard"),
    "report.dashboard.revenue_chart": ("月度销售额", "Revenue by month"),
    "report.dashboard.pareto_chart": ("二八分析（帕累托图）", "80/20 (Pareto chart)"),
    "report.dashboard.grade_chart": ("渠道等级分布", "Channels by grade"),
    "report.dashboard.credit_chart": ("逾期比例最高的渠道", "Highest overdue ratios"),
    "report.dashboard.drop_chart": ("订单下降预警", "Order-drop alerts"),
    "report.dashboard.revenue": ("销售额", "Revenue"),
    "report.dashboard.grades": ("等级", "Grades"),
    "report.dashboard.graded": ("各渠道得分与等级", "Channels' scores and grades"),
    "report.dashboard.credit": ("信用风险", "Credit risk"),
    "report.dashboard.riskiest": ("逾期比例最高的 15 个渠道",
                                  "The 15 channels with the highest overdue ratio"),
    "report.dashboard.credit_all": ("各渠道信用风险", "Credit risk of every channel"),
    "report.dashboard.drops": ("订单下降", "Order drops"),
    "report.dashboard.drops_title": ("订单下降预警的渠道（R-43）",
                                     "Channels with an order-drop alert (R-43)"),
    # Placeholders of values in the usage lines
    "meta.options": ("[选项]", "[OPTIONS]"),
    "meta.command": ("命令 [参数]...", "COMMAND [ARGS]..."),
    "meta.paths": ("路径...", "PATHS..."),
    "meta.kind": ("种类", "KIND"),
    "meta.path": ("路径", "PATH"),
    "meta.as_of": ("日期", "DATE"),
    "meta.channels": ("文件", "FILE"),
    "meta.out": ("文件夹", "DIR"),
    "meta.output": ("文件", "FILE"),
    "meta.url": ("网址", "URL"),
    "meta.db": ("地址", "URL"),
    "meta.run": ("编号", "RUN"),
    "meta.policy": ("文件", "FILE"),
    "meta.office": ("办事处", "OFFICE"),
    "meta.month_from": ("月份", "MONTH"),
    "meta.month_to": ("月份", "MONTH"),
    "meta.jobs": ("个数", "N"),
    "meta.time_limit": ("秒", "SECONDS"),
    "meta.memory_limit": ("MB", "MB"),
    # 计算说明: the parts of an explanation of an amount (scoring/money.py), each said from
    # its code and values; the parts are joined by "separator"
    "explain.separator": ("；", "; "),
    "explain.plus": ("＋", " + "),
    "explain.yuan": ("{amount}元", "{amount} yuan"),
    "explain.units_at": ("{count}台×{each}", "{count} units × {each}"),
    "explain.rebate_pickup": ("{units}提货返利", "pick-up rebate {units}"),
    "explain.rebate_no_threshold": ("无达量门槛", "no volume threshold"),
    "explain.rebate_short": ("未达量{qty}<{threshold}",
                             "volume not reached: {qty} < {threshold}"),
    "explain.rebate_reached_each": ("达量{qty}≥{threshold}，每台{each}",
                                    "volume reached: {qty} ≥ {threshold}, {each} a unit"),
    "explain.rebate_reached": ("达量{qty}≥{threshold}，{units}",
                               "volume reached: {qty} ≥ {threshold}, {units}"),
    "explain.rebate_not_picked_up": ("{count}台未提货，仅限提货渠道的返利不计",
                                     "{count} units not picked up earn no pick-up-only rebate"),
    "explain.rebate_unrated": ("{count}台销售时尚无返利政策",
                               "{count} units sold before any rebate policy"),
    "explain.commission_sales": ("销售额{sales}元", "sales {sales} yuan"),
    "explain.commission_no_sales": ("本期无销售", "no sales this period"),
    "explain.commission_below": ("未达到最低档位（{start}元起）",
                                 "below the lowest band (from {start} yuan)"),
    "explain.commission_retroactive": ("达到{start}元档，全额累进{sales}×{rate}={base}元",
                                       "band from {start} yuan reached, retroactive "
                                       "{sales} × {rate} = {base} yuan"),
    "explain.commission_step": ("{part}×{rate}", "{part} × {rate}"),
    "explain.commission_incremental": ("达到{start}元档，分段累进{steps}={base}元",
                                       "band from {start} yuan reached, incremental "
                                       "{steps} = {base} yuan"),
    "explain.commission_target_bonus": ("超出目标{target}元的{excess}元×{rate}={bonus}元",
                                        "{excess} yuan above the target of {target} yuan "
                                        "× {rate} = {bonus} yuan"),
    "explain.commission_first_order": ("新品{model}首单{amount}元的提成{earned}元"
                                       "×({multiplier}−1)={bonus}元",
                                       "first order of new model {model} ({amount} yuan): "
                                       "its commission {earned} yuan × ({multiplier} − 1) = "
                                       "{bonus} yuan"),
    "explain.commission_paid": ("合计{total}元，已付{paid}元",
                                "total {total} yuan, {paid} yuan paid"),
    "explain.commission_due": ("应付{due}元", "{due} yuan due"),
    "explain.commission_clawback": ("多付{over}元，应追回",
                                    "{over} yuan overpaid, to be clawed back"),
    "explain.contest_threshold": ("{qty}台达到{level}台档，奖励{reward}元",
                                  "{qty} units reach the {level}-unit level: "
                                  "reward {reward} yuan"),
    "explain.contest_place_vacant": ("第{place}名空缺（并列或参赛渠道不足）",
                                     "place {place} vacant (a tie, or too few channels)"),
    "explain.contest_tie": ("（并列）", " (tied)"),
    "explain.contest_rank": ("{qty}台排第{rank}名{tie}，奖励{reward}元",
                             "{qty} units, place {rank}{tie}: reward {reward} yuan"),
    "explain.contest_universal": ("{qty}台×{reward}元", "{qty} units × {reward} yuan"),
    "explain.team_place_vacant": ("第{place}名空缺（并列或参赛团队不足）",
                                  "place {place} vacant (a tie, or too few teams)"),
    "explain.team_tie": ("（并列，各得全额奖励）", " (tied, each team gets the full reward)"),
    "explain.contest_team": ("{team}{members}个渠道合计{qty}台，排第{rank}名{tie}，"
                             "奖励{reward}元",
                             "team {team}, {members} channels, {qty} units together, "
                             "place {rank}{tie}: reward {reward} yuan"),
    "explain.payment_statement": ("{month} 账单于 {close} 结账，应于 {due} 前付清{amount}元",
                                  "statement {month} closes on {close}, {amount} yuan due "
                                  "by {due}"),
    "explain.payment_early": ("结账日前付清{paid}元，折扣{rate}={discount}元",
                              "{paid} yuan paid by the close, discount {rate} = "
                              "{discount} yuan"),
    "explain.payment_late": ("逾期支付{amount}元", "{amount} yuan paid late"),
    "explain.payment_overdue": ("逾期未付{amount}元", "{amount} yuan overdue"),
    "explain.payment_unpaid": ("未付{amount}元，尚未到期", "{amount} yuan unpaid, not yet due"),
    # The names of types in click's messages ("'x' is not a valid integer", "Directory 'x'
    # is a file.")
    "type.integer": ("整数", "integer"),
    "type.float": ("数字", "float"),
    "type.file": ("文件", "file"),
    "type.directory": ("文件夹", "directory"),
    "type.path": ("路径", "path"),
}


def word(key: str, lang: Lang) -> str:
    """The text of ``key`` in ``lang``."""
    zh, en = TEXTS[key]
    return zh if lang == "zh" else en


def cannot_write(path: object, error: OSError, lang: Lang) -> str:
    """That ``path`` could not be written, and why, as the system said."""
    return word("cannot_write", lang).format(path=path, reason=error.strerror or error)


class TextError(Exception):
    """An error whose message is a text of ``TEXTS`` (its ``prefix`` + ``key``) with
    fields, shown in the language of the run that meets it (Chinese by default)."""

    prefix = ""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key)
        self.key, self.fields = key, fields

    def text(self, lang: Lang) -> str:
        return word(self.prefix + self.key, lang).format(**self.fields)

    def __str__(self) -> str:
        return self.text("zh")


def choose_lang(args: Sequence[str], environ: Mapping[str, str]) -> Lang:
    """The language of a run: ``--lang`` on the command line (``--lang en``,
    ``--lang=en``), else English for an English locale, else Chinese."""
    for index, arg in enumerate(args):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else \
            args[index + 1] if arg == "--lang" and index + 1 < len(args) else None
        if value == "zh":
            return "zh"
        if value == "en":
            return "en"
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(variable):
            return "en" if environ[variable].lower().startswith("en") else "zh"
    return "zh"


# click's own messages (usage, errors, the help it writes) in Chinese, by click's
# English text; a message not listed stays English (click's messages to programmers).
CLICK_ZH: Final[dict[str, str]] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "输入“{command} {option}”查看帮助。",
    "Aborted!": "已中止！",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是以下之一：{possibilities}？）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "unknown error": "未知错误",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} 不是有效的是/否值，可用：{states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "Do you want to continue?": "要继续吗？",
    "Repeat for confirmation": "再输入一次确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
    "Press any key to continue...": "按任意键继续……",
}
