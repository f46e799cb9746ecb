"""An answer to Slack: Block Kit blocks with a plain-text fallback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict[str, Any]] | None = None
    response_type: str = "ephemeral"

    def as_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"text": self.text, "response_type": self.response_type}
        if self.blocks:
            message["blocks"] = self.blocks
        return message
