"""Where a course's links and images point once its files are split into lessons.

On GitHub a course is a folder of Markdown files: ``#anchor`` links jump within a file,
``other.md#anchor`` opens another file, ``images/x.png`` shows a file next to the Markdown.
Lectern shows each lesson on its own page, so each of those is rewritten: an anchor to the
lesson that now holds the heading, a Markdown file to its first lesson, any other file to a
stored copy (through ``store_file``). What resolves nowhere, or reaches outside the course
folder, is a warning with ``file:line``; the page never shows a broken image.

Framework-free on purpose: page URLs and file storage are handed in by the importer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from courses.rendering import LinkResolver
from courses.splitter import SplitWarning

__all__ = ["CourseLinks", "Page"]

_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_MARKDOWN_SUFFIXES = {".md", ".markdown"}


@dataclass(frozen=True)
class Page:
    """One page of the course and the heading anchors shown on it.

    ``own_anchor`` is the anchor of the page's own heading (a chapter's or lesson's title,
    shown as the page's ``<h1>``): a link to it opens the page.
    """

    url: str
    path: str  # the display path of the file the page's text comes from
    own_anchor: str = ""
    anchors: tuple[str, ...] = ()


@dataclass
class CourseLinks:
    """Resolves every link of a course; one resolver per page, warnings collected here.

    ``files`` maps each Markdown file's display path (as in warnings) to its place on disk;
    ``store_file`` copies a course file into storage and returns its public URL, or None when
    it cannot (too large); it is called once per file.
    """

    course_dir: Path
    files: dict[str, Path]
    pages: Iterable[Page]
    store_file: Callable[[Path], str | None]
    warnings: list[SplitWarning] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._anchors: dict[tuple[str, str], tuple[Page, str]] = {}
        self._first_page: dict[str, Page] = {}
        self._by_disk_path = {path.resolve(): display for display, path in self.files.items()}
        self._stored: dict[Path, str | None] = {}
        for page in self.pages:
            self._first_page.setdefault(page.path, page)
            if page.own_anchor:
                self._anchors.setdefault((page.path, page.own_anchor), (page, ""))
            for anchor in page.anchors:
                self._anchors.setdefault((page.path, anchor), (page, anchor))

    def resolver(self, page: Page) -> LinkResolver:
        """The resolver for links written on one page."""

        def resolve(url: str, *, image: bool, path: str, line: int) -> str | None:
            return self._resolve(page, url, image=image, path=path, line=line)

        return resolve

    def _warn(self, path: str, line: int, code: str, message: str) -> None:
        self.warnings.append(SplitWarning(path, line, code, message))

    def _resolve(self, page: Page, url: str, *, image: bool, path: str, line: int) -> str | None:
        noun = "image" if image else "link"
        if _SCHEME_RE.match(url) or url.startswith("//"):
            if image and url.lower().startswith("http:"):
                self._warn(
                    path,
                    line,
                    "insecure-image",
                    f"image '{url}' is loaded over plain http: browsers block or flag it on "
                    "an https site; use its https address",
                )
            return url
        if url.startswith("/"):
            return url  # a path on this site: nothing of the course's to resolve
        target, _, fragment = url.partition("#")
        target = target.partition("?")[0]
        fragment = unquote(fragment)
        if not target:
            return self._anchor_url(page, path, fragment, line, url)
        source_file = self.files.get(path)
        base = source_file.parent if source_file else self.course_dir
        resolved = (base / unquote(target)).resolve()
        if not resolved.is_relative_to(self.course_dir):
            self._warn(
                path,
                line,
                "link-outside-course",
                f"{noun} '{url}' points outside the course folder; it was removed "
                "(copy the file into the course folder and link to it there)",
            )
            return None
        display = self._by_disk_path.get(resolved)
        if display is not None:
            if fragment:
                return self._anchor_url(page, display, fragment, line, url, linked_from=path)
            first = self._first_page.get(display)
            return self._page_url(page, first) if first else url
        if resolved.suffix.lower() in _MARKDOWN_SUFFIXES and not image:
            self._warn(
                path,
                line,
                "link-unresolved",
                f"link '{url}' points to a Markdown file that is not part of the course; "
                "it was removed",
            )
            return None
        if not resolved.is_file():
            self._warn(
                path,
                line,
                "missing-file",
                f"{noun} '{url}' points to a file that does not exist in the course folder"
                + ("; its alt text is shown instead" if image else "; it was removed"),
            )
            return None
        if resolved not in self._stored:
            self._stored[resolved] = self.store_file(resolved)
        stored = self._stored[resolved]
        if stored is None:
            self._warn(path, line, "file-not-stored", f"{noun} '{url}' could not be stored")
            return None
        return f"{stored}#{fragment}" if fragment and not image else stored

    def _anchor_url(
        self,
        page: Page,
        file: str,
        fragment: str,
        line: int,
        url: str,
        *,
        linked_from: str | None = None,
    ) -> str | None:
        found = self._anchors.get((file, fragment)) or self._anchors.get((file, fragment.lower()))
        if found is None:
            self._warn(
                linked_from or file,
                line,
                "link-unresolved",
                f"link '{url}' points to no heading of {PurePosixPath(file).name} "
                "(anchors are the heading's text in lowercase, spaces as '-', punctuation "
                "dropped, as on GitHub)",
            )
            return url
        target, anchor = found
        if target.url == page.url:
            return f"#{anchor}" if anchor else "#"
        return f"{target.url}#{anchor}" if anchor else target.url

    def _page_url(self, page: Page, target: Page) -> str:
        return "#" if target.url == page.url else target.url
