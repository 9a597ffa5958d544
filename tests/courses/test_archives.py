"""Uploaded course archives: each unsafe archive refused with its reason, nothing written."""

import io
import stat
import zipfile
from pathlib import Path

import pytest

from courses.archives import ArchiveError, Limits, unpack_course, unpack_markdown

TOML = b'title = "Uploaded"\n'
NOTES = b"# Chapter\n\n## Lesson\n\nText.\n"


def _zip(tmp_path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]], **kw) -> Path:
    path = tmp_path / "course.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **kw) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def _info(name: str, *, mode: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def test_a_zipped_course_folder_unpacks_to_its_folder(tmp_path: Path):
    archive = _zip(
        tmp_path,
        [
            ("my-course/course.toml", TOML),
            ("my-course/notes.md", NOTES),
            ("my-course/img/a.png", b"x"),
        ],
    )

    folder = unpack_course(archive, tmp_path / "out")

    assert folder == tmp_path / "out" / "my-course"
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == [
        "a.png",
        "course.toml",
        "notes.md",
    ]


def test_a_course_zipped_from_inside_its_folder_unpacks_too(tmp_path: Path):
    folder = unpack_course(
        _zip(tmp_path, [("course.toml", TOML), ("notes.md", NOTES)]), tmp_path / "out"
    )

    assert (folder / "course.toml").read_bytes() == TOML


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("../evil.md", b"x"), ("course.toml", TOML)], r"'\.\./evil\.md' points outside"),
        ([("c/../../evil.md", b"x"), ("course.toml", TOML)], "points outside the course folder"),
        ([("/etc/cron.d/evil", b"x"), ("course.toml", TOML)], "is an absolute path"),
        ([("C:/Windows/evil", b"x"), ("course.toml", TOML)], "is an absolute path"),
        ([("dir\\evil.md", b"x"), ("course.toml", TOML)], "uses backslashes"),
        ([(_info("link", mode=stat.S_IFLNK | 0o777), b"/etc/passwd"), ("course.toml", TOML)],
         "'link' is a symbolic link"),
        ([("notes.md", NOTES)], "no course.toml in the archive"),
        ([("a/b/course.toml", TOML)], "put it at the top of the archive"),
        ([("course.toml", TOML), ("Notes.md", b"a"), ("notes.md", b"b")], "appears twice"),
        ([], "the archive is empty"),
    ],
)  # fmt: skip
def test_unsafe_archives_are_refused_with_their_reason_and_nothing_written(
    tmp_path: Path, entries, message
):
    archive = _zip(tmp_path, entries)
    target = tmp_path / "out"

    with pytest.raises(ArchiveError, match=message):
        unpack_course(archive, target)

    assert not target.exists()


def test_an_encrypted_entry_is_refused(tmp_path: Path):
    archive = _zip(tmp_path, [("course.toml", TOML), ("secret.md", b"x")])
    data = bytearray(archive.read_bytes())
    # Set the "encrypted" flag (bit 0) in the central directory entry of secret.md.
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"secret.md"))
    data[central + 8] |= 0x01
    archive.write_bytes(bytes(data))

    with pytest.raises(ArchiveError, match=r"'secret\.md' is encrypted"):
        unpack_course(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_too_many_files_are_refused(tmp_path: Path):
    entries = [("course.toml", TOML)] + [(f"f{n}.md", b"x") for n in range(5)]

    with pytest.raises(ArchiveError, match="holds 6 files; a course may hold at most 5"):
        unpack_course(_zip(tmp_path, entries), tmp_path / "out", limits=Limits(max_files=5))


def test_too_many_bytes_unpacked_are_refused(tmp_path: Path):
    entries = [("course.toml", TOML), ("big.md", b"x" * 5000)]

    with pytest.raises(ArchiveError, match=r"unpacks to 4\.9 KB; a course may take at most"):
        unpack_course(_zip(tmp_path, entries), tmp_path / "out", limits=Limits(max_bytes=4000))


def test_a_compression_bomb_is_refused(tmp_path: Path):
    entries = [("course.toml", TOML), ("bomb.md", b"\0" * (20 * 1024 * 1024))]

    with pytest.raises(ArchiveError, match="more than any real file compresses"):
        unpack_course(_zip(tmp_path, entries), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_archive_whose_headers_lie_about_sizes_is_stopped_while_unpacking(tmp_path: Path):
    archive = _zip(tmp_path, [("course.toml", TOML), ("big.md", b"y" * 50_000)])
    # Shrink the sizes the central directory claims: the checks pass, the bytes do not.
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("big.md")
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"big.md"))
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    assert info.file_size == 50_000

    with pytest.raises(ArchiveError):
        unpack_course(archive, tmp_path / "out", limits=Limits(max_bytes=10_000))
    assert not (tmp_path / "out").exists()


def test_a_file_name_that_is_not_utf8_is_refused(tmp_path: Path):
    archive = _zip(tmp_path, [("course.toml", TOML), ("caf\u00e9.md", b"x")])
    data = bytearray(archive.read_bytes())
    # Clear the UTF-8 flag and write the name in Latin-1, as old tools do.
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            data[at + flag_at] &= ~0x08 & 0xFF  # bit 11 is bit 3 of the flags' second byte
            data[at + flag_at + 1] &= ~0x08 & 0xFF
            start = at + 4
    archive.write_bytes(bytes(data).replace("café".encode(), "café".encode("latin-1") + b" "))

    with pytest.raises(ArchiveError, match="is not UTF-8"):
        unpack_course(archive, tmp_path / "out")


def test_something_that_is_not_a_zip_is_refused(tmp_path: Path):
    path = tmp_path / "course.zip"
    path.write_bytes(b"not a zip at all")

    with pytest.raises(ArchiveError, match=r"not a \.zip archive"):
        unpack_course(path, tmp_path / "out")


def test_a_single_markdown_file_becomes_a_course_titled_by_its_first_heading(tmp_path: Path):
    folder = unpack_markdown(b"\xef\xbb\xbf# Intro to Git\n\n## First\n", "git.md", tmp_path / "g")

    assert (folder / "course.toml").read_text() == 'title = "Intro to Git"\n'
    assert (folder / "notes.md").read_bytes().startswith(b"\xef\xbb\xbf# Intro")


def test_a_markdown_file_that_is_not_utf8_is_refused(tmp_path: Path):
    with pytest.raises(ArchiveError, match="not UTF-8"):
        unpack_markdown("caf\u00e9".encode("latin-1"), "x.md", tmp_path / "x")
