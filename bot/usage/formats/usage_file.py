"""Open a usage file (a path, bytes or a stream), detect its format and read its rows."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, cast

from bot.i18n import N_
from bot.usage import limits
from bot.usage.formats.archive import ZipParts
from bot.usage.formats.cdr_csv import cdr_rows
from bot.usage.formats.detect import HEAD_BYTES, ZIP_MAGIC, detect_format
from bot.usage.formats.graph_json import graph_records, graph_rows, has_next_link, load_json
from bot.usage.formats.records import CDR, GRAPH, ParsedCall, RowError, UnsupportedFormat
from bot.usage.formats.teams_csv import teams_file_rows
from bot.usage.limits import FileRefused

Source = str | os.PathLike[str] | bytes | IO[bytes]


def open_usage(source: Source, *, name: str | None = None) -> UsageFile:
    """Open a usage file (a path, bytes or a binary stream) and detect its format."""
    stream, label = _open_stream(source)
    try:
        stream = limits.as_utf8(stream)
        head = _peek(stream)
        fmt = detect_format(head)
        if head.startswith(ZIP_MAGIC):
            return UsageFile(ZipParts(stream), fmt, name=name or label)
    except BaseException:
        stream.close()
        raise
    return UsageFile(_FileParts(stream), fmt, name=name or label)


def _open_stream(source: Source) -> tuple[IO[bytes], str]:
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source), "upload"
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return path.open("rb"), path.name
    name = str(getattr(source, "name", "upload"))
    if not source.seekable():  # detection reads the head first, then reads from the start
        return io.BytesIO(source.read()), name
    return source, name


def _peek(stream: IO[bytes]) -> bytes:
    position = stream.tell()
    head = stream.read(HEAD_BYTES)
    stream.seek(position)
    return head


class _FileParts:
    """A plain file: one part, read from where it starts each time."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self._start = stream.tell() if stream.seekable() else 0

    def streams(self) -> Iterator[tuple[IO[bytes], str | None]]:
        if self.stream.seekable():
            self.stream.seek(self._start)
        yield self.stream, None

    def close(self) -> None:
        self.stream.close()


class UsageFile:
    """An open usage file of a known format; read it once, with `calls()` or `frames()`."""

    def __init__(self, parts: _FileParts | ZipParts, fmt: str, *, name: str) -> None:
        self.format = fmt
        self.name = name
        self._parts = parts
        self._document: Any = None
        self.more_pages = False  # a Graph page that ends with @odata.nextLink

    def __enter__(self) -> UsageFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._parts.close()

    def calls(self) -> Iterator[ParsedCall | RowError]:
        """Stream the file's rows, each parsed or rejected."""
        if self.format == GRAPH:
            return graph_rows(self._graph_document())
        return self._text_rows()

    def _graph_document(self) -> Any:
        if self._document is None:
            stream, _ = next(self._parts.streams())
            self._document = load_json(stream)
            self.more_pages = has_next_link(self._document)
        return self._document

    def _text_rows(self) -> Iterator[ParsedCall | RowError]:
        for stream, member in self._parts.streams():
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
            try:
                rows = cdr_rows(text) if self.format == CDR else teams_file_rows(text)
                yield from _in_member(_readable_rows(rows), member)
            finally:
                with suppress(ValueError):  # already closed by its UsageFile
                    text.detach()  # the file is ours to close, not the wrapper's

    def count_rows(self) -> int:
        """Check the whole file can be read (encoding, line length, zip limits, JSON) and
        count its rows, before anything is imported."""
        if self.format == GRAPH:
            return sum(1 for _ in graph_records(self._graph_document()))
        rows = 0
        for stream, _ in self._parts.streams():
            rows += max(limits.scan_lines(stream) - 1, 0)  # the header is no row
        return rows

    def binary(self) -> IO[bytes]:
        """A plain file's bytes as a buffered stream, for readers of their own (read it once)."""
        if not isinstance(self._parts, _FileParts):
            raise UnsupportedFormat("Only a plain CSV file can be read as bytes.")
        stream, _ = next(self._parts.streams())
        if isinstance(stream, io.RawIOBase):
            stream = cast(IO[bytes], io.BufferedReader(stream, buffer_size=1 << 20))
            self._parts.stream = stream
        return stream


def _readable_rows(rows: Iterator[ParsedCall | RowError]) -> Iterator[ParsedCall | RowError]:
    """Rows, with text and csv errors turned into sentences that name the line."""
    line = 1
    try:
        for row in rows:
            line = row.line
            yield row
    except UnicodeDecodeError:
        raise limits.not_text(line + 1) from None
    except csv.Error as exc:
        raise FileRefused(N_("after line {line}: {error}; this is not a usage export I can "
                             "read."), line=line, error=str(exc)) from None


def _in_member(rows: Iterator[ParsedCall | RowError],
               member: str | None) -> Iterator[ParsedCall | RowError]:
    """Name the zip member in row errors and flags (its lines count from its own header)."""
    if member is None:
        yield from rows
        return
    for row in rows:
        if isinstance(row, RowError):
            yield replace(row, member=member)
        elif row.flag is not None:
            yield replace(row, flag=f"{member}: {row.flag}")
        else:
            yield row
