"""What a usage file may cost to read (DESIGN §5): text encodings, line length, zip members, JSON.

Everything an outsider sends is read through these guards, so that a file costs at most what its
size says and fails with a sentence, never a traceback:
- text is UTF-8 (with or without a BOM) or UTF-16 with a BOM (recoded to UTF-8 here, so every
  reader downstream sees UTF-8); anything else is refused with the line where decoding fails;
- a line is at most `MAX_LINE_BYTES` (the csv module's own field limit), so no row is huge;
- a zip member expands to at most `MAX_MEMBER_BYTES` and at most `MAX_RATIO` times its
  compressed size (a zip bomb stops after a few MB of work, whatever its headers claim);
- a Graph JSON file is at most `MAX_JSON_BYTES` (a page of 1,000 records is about 1 MB), since it
  is parsed whole (JSON nested too deep for the parser is refused where it is parsed).
"""

from __future__ import annotations

import codecs
import io
import tempfile
import zipfile
import zlib
from typing import IO, Any, cast

from bot.errors import CreditsError
from bot.i18n import N_

MAX_LINE_BYTES = 128 * 1024
MAX_MEMBER_BYTES = 1 << 30
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 16 << 20  # small members may expand this far whatever their ratio
MAX_MEMBERS = 16
MAX_JSON_BYTES = 16 << 20
SPOOL_BYTES = 16 << 20  # a recoded UTF-16 file above this goes to a temporary file
_CHUNK = 1 << 20
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError,
              NotImplementedError, RuntimeError, OSError)


class FileRefused(CreditsError):
    """A usage file breaks a limit or is not text the bot reads."""


def not_text(line: int) -> FileRefused:
    return FileRefused(N_(
        "line {line} is not UTF-8 text: save the file as UTF-8 (or UTF-16 with a byte order "
        "mark) and send it again."), line=line)


def as_utf8(stream: IO[bytes]) -> IO[bytes]:
    """The stream's text as UTF-8 bytes: a UTF-16 file (with its BOM) is recoded, on the fly
    for a stream read once (a zip member), into a spooled file for one that is read again."""
    head = _peek(stream, 2)
    if head not in _UTF16_BOMS:
        return stream
    recoded = io.BufferedReader(_Utf16AsUtf8(stream), buffer_size=_CHUNK)
    if not stream.seekable():
        return recoded
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned
    with recoded:
        while chunk := recoded.read(_CHUNK):
            spooled.write(chunk)
    spooled.seek(0)
    return cast(IO[bytes], spooled)


def scan_lines(stream: IO[bytes]) -> int:
    """Read UTF-8 text to its end: the number of lines; refuse bad text or an overlong line."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    lines, run, last = 0, 0, b"\n"
    while chunk := stream.read(_CHUNK):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise not_text(lines + chunk.count(b"\n", 0, exc.start) + 1) from None
        parts = chunk.split(b"\n")
        if len(parts) == 1:
            run += len(chunk)
        else:
            run = max(run + len(parts[0]), max(map(len, parts[1:-1]), default=0))
            if run > MAX_LINE_BYTES:
                _too_long(lines + _long_part(parts, run) + 1)
            run = len(parts[-1])
        if run > MAX_LINE_BYTES:
            _too_long(lines + len(parts))
        lines += len(parts) - 1
        last = chunk[-1:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise not_text(lines + 1) from None
    return lines + (last != b"\n")


def _long_part(parts: list[bytes], run: int) -> int:
    return next((at for at, part in enumerate(parts[1:-1], start=1)
                 if len(part) > MAX_LINE_BYTES), 0)


def _too_long(line: int) -> None:
    raise FileRefused(N_("line {line} is longer than {limit} KB: no usage row is that long, so "
                         "this is not a usage export."), line=line, limit=MAX_LINE_BYTES // 1024)


def _peek(stream: IO[bytes], size: int) -> bytes:
    if not stream.seekable() and isinstance(stream, io.BufferedReader):
        return stream.peek(size)[:size]
    position = stream.tell()
    head = stream.read(size)
    stream.seek(position)
    return head


class _Utf16AsUtf8(io.RawIOBase):
    """UTF-16 text (BOM first) read as UTF-8 bytes; bad UTF-16 is refused with its line."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self._source = source
        self._decoder = codecs.getincrementaldecoder("utf-16")("strict")
        self._pending = b""
        self._lines = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._done:
            chunk = self._source.read(_CHUNK)
            try:
                text = self._decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                raise not_text(self._lines + 1) from None
            self._done = not chunk
            self._lines += text.count("\n")
            self._pending = text.encode("utf-8")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


# -- zip ----------------------------------------------------------------------------------------

def open_archive(stream: IO[bytes]) -> zipfile.ZipFile:
    """Open a zip, refusing a corrupt one with a sentence."""
    try:
        return zipfile.ZipFile(stream)
    except ZIP_ERRORS as exc:
        raise corrupt_zip(exc) from None


def corrupt_zip(exc: BaseException) -> FileRefused:
    return FileRefused(N_("The zip cannot be read ({error}): download the export from the Teams "
                          "admin center again."), error=str(exc or type(exc).__name__))


def member_limit(info: zipfile.ZipInfo) -> int:
    """How many bytes a member may expand to; refuse one whose own header says more."""
    limit = min(MAX_MEMBER_BYTES, max(MAX_RATIO * info.compress_size, RATIO_FLOOR_BYTES))
    if info.file_size > limit:
        raise _too_big(info, limit)
    return limit


def _too_big(info: zipfile.ZipInfo, limit: int) -> FileRefused:
    return FileRefused(N_(
        "{name} in the zip expands to more than {limit} MB ({ratio} times its packed size at "
        "most): that is not a usage export."), name=info.filename, limit=limit >> 20,
        ratio=MAX_RATIO)


class GuardedMember(io.RawIOBase):
    """A zip member as a stream that stops at its limit and turns zip errors into sentences."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        super().__init__()
        self._info = info
        self._limit = member_limit(info)
        self._read = 0
        try:
            self._member = archive.open(info)
        except ZIP_ERRORS as exc:
            raise corrupt_zip(exc) from None
        self.name = info.filename

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._member.read(len(buffer))
        except ZIP_ERRORS as exc:
            raise corrupt_zip(exc) from None
        self._read += len(data)
        if self._read > self._limit:
            raise _too_big(self._info, self._limit)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._member.close()
        super().close()


# -- JSON ---------------------------------------------------------------------------------------

def read_json_bytes(stream: IO[bytes]) -> bytes:
    """A JSON file's bytes, refused when over MAX_JSON_BYTES (before reading more than that)."""
    data = stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise FileRefused(N_(
            "The JSON file is larger than {limit} MB: send the Graph pages as separate files "
            "(one page of 1,000 calls is about 1 MB)."), limit=MAX_JSON_BYTES >> 20)
    return data
