"""The Communications Credits license in the tenant: assign, remove, list and count (DESIGN §10).

The skuId of `MCOPSTNC` (or of its service plan's name `MCOPSTNPP`, which some tenants show)
comes from `GET /subscribedSkus`, cached for a few minutes; its counts come fresh when an error
needs them. Graph's refusals become `TenantLicenseError`s that carry a sentence key (EN/DE in
handlers/i18n.py) and its values.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from bot.errors import CreditsError
from bot.graph.client import GraphClient, GraphError, GraphRefused

SKU_PART_NUMBERS = ("MCOPSTNC", "MCOPSTNPP")
SKU_CACHE_SECONDS = 300.0


class TenantLicenseError(CreditsError):
    """Graph did not assign or remove the license; `key` names the sentence that says why."""

    def __init__(self, key: str, message: str, **values: Any) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class TenantSku:
    sku_id: str
    part_number: str
    enabled: int  # units bought (prepaidUnits.enabled)
    consumed: int  # units assigned


class TenantLicenses:
    """The tenant's side of `license assign | remove | list` and of `recommend`'s count."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client
        self._sku: TenantSku | None = None
        self._sku_at = 0.0
        self._lock = threading.Lock()

    def sku(self, *, fresh: bool = False) -> TenantSku:
        """The tenant's Communications Credits SKU (cached)."""
        with self._lock:
            if not fresh and self._sku is not None and \
                    time.monotonic() - self._sku_at < SKU_CACHE_SECONDS:
                return self._sku
        skus = {str(item.get("skuPartNumber", "")).upper(): item
                for item in self.client.subscribed_skus()}
        found = next((skus[name] for name in SKU_PART_NUMBERS if name in skus), None)
        if found is None:
            raise TenantLicenseError(
                "tenant_no_sku", "the tenant has no Communications Credits subscription "
                "(MCOPSTNC): buy it in the Microsoft 365 admin center first")
        units = found.get("prepaidUnits") or {}
        sku = TenantSku(sku_id=str(found["skuId"]), part_number=str(found["skuPartNumber"]),
                        enabled=int(units.get("enabled") or 0),
                        consumed=int(found.get("consumedUnits") or 0))
        with self._lock:
            self._sku, self._sku_at = sku, time.monotonic()
        return sku

    def assign(self, upn: str) -> None:
        """Assign the license to the user with this UPN."""
        user_id = self._user_id(upn)
        sku = self.sku()
        try:
            self.client.assign_license(user_id, add=[sku.sku_id])
        except GraphRefused as exc:
            if _no_units_left(exc):
                counts = self.sku(fresh=True)
                raise TenantLicenseError(
                    "tenant_no_units", f"no Communications Credits licenses left to assign: "
                    f"{counts.consumed} of {counts.enabled} in use",
                    used=counts.consumed, total=counts.enabled) from None
            raise _refused(exc) from None
        except GraphError as exc:
            raise _refused(exc) from None
        with self._lock:
            self._sku = None  # its count changed

    def remove(self, upn: str) -> None:
        """Take the license back from the user with this UPN."""
        user_id = self._user_id(upn)
        sku = self.sku()
        try:
            self.client.assign_license(user_id, remove=[sku.sku_id])
        except GraphError as exc:
            raise _refused(exc) from None
        with self._lock:
            self._sku = None

    def licensed_upns(self) -> set[str]:
        """The UPNs (lower case) of the tenant's users who hold the license."""
        try:
            users = self.client.licensed_users(self.sku().sku_id)
        except GraphError as exc:
            raise _refused(exc) from None
        return {str(user.get("userPrincipalName", "")).lower() for user in users
                if user.get("userPrincipalName")}

    def count(self) -> int:
        """How many of the tenant's users hold the license."""
        try:
            return self.sku(fresh=True).consumed
        except GraphError as exc:
            raise _refused(exc) from None

    def _user_id(self, upn: str) -> str:
        try:
            user = self.client.get_user(upn)
        except GraphError as exc:
            raise _refused(exc) from None
        if user is None or not user.get("id"):
            raise TenantLicenseError("tenant_no_user", f"{upn} is not a user of the tenant",
                                     upn=upn)
        return str(user["id"])


def _no_units_left(exc: GraphRefused) -> bool:
    text = exc.message.lower()
    return exc.status == 400 and ("available licenses" in text or "no available" in text)


def _refused(exc: GraphError) -> TenantLicenseError:
    return TenantLicenseError("tenant_refused", f"Microsoft Graph refused the license change: "
                              f"{exc}", error=str(exc)[:300])
