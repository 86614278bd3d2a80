"""Admin handlers: /reload the index, and documents sent to the bot ingested into the live index."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from telegram import Update

from bot.settings import Settings
from bot.telegram.feeds import pull_now, pull_summary
from bot.telegram.handlers import allowed, say
from bot.telegram.state import XundaContext
from bot.texts import telegram_text as text
from index.ingest import IngestReport
from index.loaders import SUPPORTED_SUFFIXES

log = logging.getLogger(__name__)

BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files on Telegram's servers
OWNERS_SUFFIX = ".owners.json"  # uploads.owners.json beside the store: file name -> admin id, for the quota


async def is_admin(update: Update, context: XundaContext) -> bool:
    """True for admins; everyone else is told politely that this is for admins."""
    if not await allowed(update, context):
        return False
    if context.services.access.is_admin(update.effective_user.id):
        return True
    log.info("non-admin %s tried an admin action", update.effective_user.id)
    await say(update.effective_message, "admin_only")
    return False


async def reload_command(update: Update, context: XundaContext) -> None:
    """Pull the --feeds now, if any, and load the newest index version (e.g. after `xunda ingest` from a shell)."""
    if not await is_admin(update, context):
        return
    s = context.services
    pulled = await pull_now(s.feeds) if s.feeds is not None else None
    changed = await s.engine.refresh() or bool(pulled and pulled.ingest.version)
    info = await s.engine.stats()
    reply = text("reload_new" if changed else "reload_same", version=info["version"], documents=info["documents"],
                 chunks=info["chunks"])
    if pulled is not None:
        reply = pull_summary(pulled) + "\n" + reply
    await update.effective_message.reply_html(html.escape(reply), do_quote=True)


async def document_message(update: Update, context: XundaContext) -> None:
    """Ingest a .txt/.md/.html file an admin sends, without stopping the bot; reply with what changed."""
    if not await is_admin(update, context):
        return
    s, message = context.services, update.effective_message
    document = message.document
    name = safe_filename(document.file_name or "upload.txt")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        await say(message, "upload_type", suffixes=" / ".join(sorted(SUPPORTED_SUFFIXES)))
        return
    limit = min(s.settings.max_file_bytes, BOT_API_DOWNLOAD_LIMIT)
    if (document.file_size or 0) > limit:
        await say(message, "upload_size", size=_human(document.file_size), limit=_human(limit))
        return
    admin_id = update.effective_user.id
    async with s.uploads_lock:  # the quota is checked and the file saved as one step
        if refusal := over_quota(s.settings, s.uploads_dir, admin_id, name, document.file_size or 0):
            log.info("admin %s upload %s refused: %s", admin_id, name, refusal[0])
            await say(message, refusal[0], **refusal[1])
            return
        await say(message, "upload_working", name=name)
        data = bytes(await (await document.get_file()).download_as_bytearray())
        if len(data) > limit:  # file_size is what the client claimed
            await say(message, "upload_size", size=_human(len(data)), limit=_human(limit))
            return
        if refusal := over_quota(s.settings, s.uploads_dir, admin_id, name, len(data)):
            await say(message, refusal[0], **refusal[1])
            return
        path = await asyncio.to_thread(_save, s.uploads_dir, name, data, admin_id)
    report = await s.engine.ingest([path])
    log.info("admin %s uploaded %s: %s", admin_id, name, report)
    if report.failed:
        await say(message, "upload_failed", name=name, reason=report.failed[0][1])
        return
    await message.reply_html(html.escape(_summary(name, report)), do_quote=True)


def _summary(name: str, report: IngestReport) -> str:
    return text("upload_done", name=name, added=len(report.added), updated=len(report.updated),
                unchanged=len(report.unchanged), version=report.version or "—")


def safe_filename(raw: str) -> str:
    """A plain file name from whatever the client sent: no folders, no hidden files, no odd characters."""
    name = PurePosixPath(unicodedata.normalize("NFKC", raw).replace("\\", "/")).name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = re.sub(r"[^\w\-]+", "_", stem).strip("._")[:80] or "upload"
    suffix = re.sub(r"[^\w]+", "", suffix).lower()[:10]
    return f"{stem}.{suffix}" if suffix else stem


@dataclass(frozen=True)
class UploadUsage:
    files: int = 0
    bytes: int = 0
    admin_files: int = 0
    admin_bytes: int = 0


def upload_usage(folder: Path, admin_id: int, replacing: str | None = None) -> UploadUsage:
    """What the upload store holds, in all and from one admin; a file about to be replaced does not count."""
    if not folder.is_dir():
        return UploadUsage()
    owners = _owners(folder)
    files = size = admin_files = admin_size = 0
    for path in folder.iterdir():
        if path.name.startswith(".") or path.name == replacing or not path.is_file():
            continue
        length = path.stat().st_size
        files, size = files + 1, size + length
        if owners.get(path.name) == admin_id:
            admin_files, admin_size = admin_files + 1, admin_size + length
    return UploadUsage(files, size, admin_files, admin_size)


def over_quota(settings: Settings, folder: Path, admin_id: int, name: str, size: int) -> tuple[str, dict] | None:
    """(text key, values) of the polite refusal when saving `name` would pass a quota; None when it fits."""
    used = upload_usage(folder, admin_id, replacing=name)
    s = settings
    if used.admin_files + 1 > s.upload_files_per_admin or used.admin_bytes + size > s.upload_bytes_per_admin:
        return "upload_quota_admin", {"files": settings.upload_files_per_admin,
                                      "limit": _human(settings.upload_bytes_per_admin),
                                      "used_files": used.admin_files, "used": _human(used.admin_bytes)}
    if used.files + 1 > settings.upload_files_total or used.bytes + size > settings.upload_bytes_total:
        return "upload_quota_total", {"files": settings.upload_files_total,
                                      "limit": _human(settings.upload_bytes_total),
                                      "used_files": used.files, "used": _human(used.bytes)}
    return None


def _owners(folder: Path) -> dict[str, int]:
    try:
        owners = json.loads(_owners_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in owners.items() if isinstance(v, int)} if isinstance(owners, dict) else {}


def _owners_path(folder: Path) -> Path:
    """Kept beside the upload store, not in it: the store holds only documents."""
    return folder.with_name(folder.name + OWNERS_SUFFIX)


def _save(folder: Path, name: str, data: bytes, admin_id: int | None = None) -> Path:
    """Write atomically: the ingest never reads a half-written file. The sender is recorded for the quota."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.resolve().parent != folder.resolve():
        raise ValueError(f"refusing to write outside {folder}: {name!r}")
    partial = folder / f".{name}.partial"
    partial.write_bytes(data)
    os.replace(partial, path)
    if admin_id is not None:
        owners = _owners(folder)
        owners[name] = admin_id
        ledger = _owners_path(folder)
        partial = ledger.with_name(ledger.name + ".partial")
        partial.write_text(json.dumps(owners, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, ledger)
    return path


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"
