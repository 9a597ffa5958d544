"""Unpacking an uploaded course: a .zip of a course folder, or a single Markdown file.

Every entry of an archive is checked before anything is written, and each refusal says
what is wrong in words an instructor can act on: names that climb out of the folder or are
absolute, links, too many files, too many bytes once unpacked, entries that unpack to far
more than they weigh (a "zip bomb"), names that are not UTF-8, encrypted entries. While
unpacking, the bytes actually written are counted too, so an archive that lies about its
sizes is stopped all the same.

Framework-free on purpose: no Django import, so it can be tested alone.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

__all__ = ["ArchiveError", "Limits", "unpack_course", "unpack_markdown"]

_CHUNK = 64 * 1024
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


class ArchiveError(ValueError):
    """An upload that cannot be unpacked; nothing was written."""


@dataclass(frozen=True)
class Limits:
    max_files: int = 2000
    max_bytes: int = 200 * 1024 * 1024
    # Unpacked size over packed size, per entry: text compresses 5-10 times, so 100 is
    # generous for a course and far below what a crafted bomb needs.
    max_ratio: int = 100


def unpack_course(archive: Path | BinaryIO, target: Path, *, limits: Limits = Limits()) -> Path:
    """Unpack a course .zip into the empty folder ``target``; return the course folder.

    The course folder is where ``course.toml`` is: the archive's root, or its one top-level
    folder (archives made by zipping a folder). Raises ArchiveError, having written nothing,
    when any entry is refused.
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            entries = _checked_entries(zf, limits)
            root = _course_root(entries)
            try:
                _extract(zf, entries, target, limits)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)  # nothing half-written stays
                raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        raise ArchiveError("the file is not a .zip archive (or it is damaged)") from None
    return target / root if root else target


def unpack_markdown(data: bytes, name: str, target: Path, *, limits: Limits = Limits()) -> Path:
    """A single Markdown file as a course folder of its own, with a course.toml made for it.

    The title is the file's first ``#`` heading, else its name.
    """
    if len(data) > limits.max_bytes:
        raise ArchiveError(f"the file is larger than {_size(limits.max_bytes)}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArchiveError("the Markdown file is not UTF-8; save it as UTF-8") from None
    stem = PurePosixPath(name).stem
    match = re.search(r"^# +(.+?)\s*#*\s*$", text, re.MULTILINE)
    title = (match.group(1) if match else stem.replace("-", " ").replace("_", " ")).strip()
    target.mkdir(parents=True, exist_ok=True)
    (target / "notes.md").write_bytes(data)
    escaped = title.replace("\\", "\\\\").replace('"', '\\"') or "Untitled course"
    (target / "course.toml").write_text(f'title = "{escaped}"\n', encoding="utf-8")
    return target


@dataclass(frozen=True)
class _Entry:
    info: zipfile.ZipInfo
    path: PurePosixPath


def _checked_entries(zf: zipfile.ZipFile, limits: Limits) -> list[_Entry]:
    infos = zf.infolist()
    files = [info for info in infos if not info.is_dir()]
    if len(files) > limits.max_files:
        raise ArchiveError(
            f"the archive holds {len(files)} files; a course may hold at most {limits.max_files}"
        )
    total = sum(info.file_size for info in files)
    if total > limits.max_bytes:
        raise ArchiveError(
            f"the archive unpacks to {_size(total)}; a course may take at most "
            f"{_size(limits.max_bytes)}"
        )
    entries = []
    seen: set[str] = set()
    for info in infos:
        name = _name(info)
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise ArchiveError(f"'{name}' is encrypted; upload an archive without a password")
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the tool wrote no Unix mode
        if kind == stat.S_IFLNK:
            raise ArchiveError(f"'{name}' is a symbolic link; archives may hold only files")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise ArchiveError(f"'{name}' is not a plain file or folder")
        path = _safe_path(name)
        if info.is_dir():
            continue
        key = str(path).lower()
        if key in seen:
            raise ArchiveError(f"'{name}' appears twice in the archive")
        seen.add(key)
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise ArchiveError(
                f"'{name}' unpacks to {_size(info.file_size)} from {_size(info.compress_size)}: "
                "more than any real file compresses (a zip bomb?)"
            )
        entries.append(_Entry(info, path))
    if not entries:
        raise ArchiveError("the archive is empty")
    return entries


def _name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG and not name.isascii():
        # Without the UTF-8 flag, zipfile decodes names as CP437: the author's tool wrote
        # them in some local encoding that cannot be told apart reliably.
        raise ArchiveError(
            f"the file name '{name}' is not UTF-8; zip the course again with a current tool "
            "(or rename the file with plain letters)"
        )
    if "\x00" in name:
        raise ArchiveError("a file name holds a NUL character")
    return name


def _safe_path(name: str) -> PurePosixPath:
    if name.startswith(("/", "\\")) or _DRIVE_RE.match(name):
        raise ArchiveError(f"'{name}' is an absolute path; archives may hold relative paths only")
    if "\\" in name:
        raise ArchiveError(f"'{name}' uses backslashes; zip the folder again with a current tool")
    path = PurePosixPath(name)
    if any(part == ".." for part in path.parts):
        raise ArchiveError(f"'{name}' points outside the course folder ('..')")
    return path


def _course_root(entries: list[_Entry]) -> PurePosixPath | None:
    tomls = sorted((e.path for e in entries if e.path.name == "course.toml"), key=_depth)
    if not tomls:
        raise ArchiveError(
            "no course.toml in the archive: zip the course folder (course.toml, the Markdown "
            "files, images and quizzes/), or upload a single .md file"
        )
    root = tomls[0].parent
    if len(root.parts) > 1:
        raise ArchiveError(
            f"course.toml is at '{tomls[0]}': put it at the top of the archive or in its one "
            "top-level folder"
        )
    return root if root.parts else None


def _depth(path: PurePosixPath) -> int:
    return len(path.parts)


def _extract(zf: zipfile.ZipFile, entries: list[_Entry], target: Path, limits: Limits) -> None:
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    for entry in entries:
        destination = target.joinpath(*entry.path.parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(entry.info) as source, destination.open("wb") as out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > limits.max_bytes:
                    raise ArchiveError(
                        f"the archive unpacks to more than {_size(limits.max_bytes)} (its "
                        "headers said less)"
                    )
                out.write(chunk)


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} bytes"  # pragma: no cover
