"""Every text the history commands show, in Chinese and English, in one place."""

from __future__ import annotations

from typing import Any, Final

from chantool.findings import Lang

_TEXTS: Final = {
    "bad_url": ("“{url}”不是 SQLite 文件或 postgresql:// 地址",
                "“{url}” is neither a SQLite file nor a postgresql:// URL"),
    "failed": ("数据库 {store} 出错：{detail}", "the store {store} failed: {detail}"),
    "missing": ("没有找到数据库文件 {store}（先用 chantool archive 归档）",
                "no store file {store} (archive files with chantool archive first)"),
    "newer": ("数据库 {store} 的结构版本 {found} 比本程序新，请升级 chantool",
              "the store {store} has schema version {found}, newer than this chantool: "
              "upgrade chantool"),
    "archived": ("{path}：已归档为 {name} 第 {version} 版",
                 "{path}: archived as {name} version {version}"),
    "replaced": ("（取代第 {replaced} 版）", " (supersedes version {replaced})"),
    "accepted": ("，含 {errors} 个错误（--accept-errors）",
                 ", with {errors} errors (--accept-errors)"),
    "unchanged": ("{path}：内容未变，已是 {name} 第 {version} 版，未改动",
                  "{path}: unchanged, already {name} version {version}; nothing changed"),
    "refused": ("{path}：有 {errors} 个错误，未归档（修正后再归档，或加 --accept-errors）：",
                "{path}: {errors} errors, not archived (fix them, or add --accept-errors):"),
    "unreadable": ("{path}：未归档：{reason}", "{path}: not archived: {reason}"),
    "summary": ("已归档 {archived} 个，未变 {unchanged} 个，被拒 {refused} 个，"
                "无法归档 {unreadable} 个",
                "{archived} archived, {unchanged} unchanged, {refused} refused, "
                "{unreadable} not archived"),
    "empty": ("{store} 中还没有归档的文件", "{store} holds no archived file yet"),
    "current": ("当前", "current"),
    "superseded": ("已被第 {version} 版取代", "superseded by version {version}"),
    "header": ("文件|版本|办事处|期间|归档时间|状态|错误|警告|SHA-256|来源",
               "File|Version|Office|Period|Archived|Status|Errors|Warnings|SHA-256|From"),
}


def message(key: str, lang: Lang, **fields: Any) -> str:
    zh, en = _TEXTS[key]
    return (zh if lang == "zh" else en).format(**fields)
