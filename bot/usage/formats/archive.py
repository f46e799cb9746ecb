"""Microsoft's export zip: the usage CSVs it holds, read member by member."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import IO

from bot.i18n import N_
from bot.usage import limits
from bot.usage.formats.detect import HEAD_BYTES, csv_kind
from bot.usage.formats.records import DIRECT_ROUTING, TEAMS, UnsupportedFormat
from bot.usage.limits import FileRefused


class ZipParts:
    """Microsoft's export zip: every member whose header is a Teams usage CSV, in name order;
    `parameters.json` and other files are left alone."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._archive = limits.open_archive(stream)
        try:
            self.members = self._usage_members()
        except BaseException:
            self._archive.close()
            raise

    def _usage_members(self) -> list[zipfile.ZipInfo]:
        files = [info for info in self._archive.infolist() if not info.is_dir()]
        if len(files) > limits.MAX_MEMBERS:
            raise FileRefused(N_("The zip holds {count} files; Microsoft's export holds a few "
                                 "(Calling Plans, Direct Routing, parameters.json)."),
                              count=len(files))
        members = []
        for info in sorted(files, key=lambda item: item.filename):
            if info.filename.lower().endswith(".json"):
                continue  # parameters.json: the export's time range, nothing to import
            with self._open(info) as member:
                head = member.read(HEAD_BYTES)
            kind = csv_kind(head.decode("utf-8-sig", errors="replace"))
            if kind in (TEAMS, DIRECT_ROUTING):
                members.append(info)
            elif info.filename.lower().endswith(".csv"):
                raise UnsupportedFormat(N_("{name} in the zip is not a Teams PSTN usage export "
                                           "(Calling Plans or Direct Routing)."),
                                        name=info.filename)
        if not members:
            raise UnsupportedFormat(N_("The zip holds no Teams PSTN usage export."))
        return members

    def _open(self, info: zipfile.ZipInfo) -> IO[bytes]:
        return limits.as_utf8(io.BufferedReader(limits.GuardedMember(self._archive, info),
                                                buffer_size=1 << 20))

    def streams(self) -> Iterator[tuple[IO[bytes], str | None]]:
        for info in self.members:
            with self._open(info) as member:
                yield member, info.filename

    def close(self) -> None:
        self._archive.close()
        self._stream.close()
