"""Communications Credits licenses: who has one, assigned and removed by admins.

The service knows users by their Slack id and their e-mail (their UPN in Microsoft 365, which
is how imported call records name them); the Slack side looks the e-mail up and passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.errors import CreditsError
from storage import licenses as licenses_db
from storage.db import read_session, write_transaction
from storage.models import License

# Microsoft names the license twice: `MCOPSTNC` is the SKU part number (what a tenant's
# subscribedSkus list and the admin center assign), `MCOPSTNPP` its one service plan (what the
# PSTN usage report's Capability and Graph's licenseCapability name). Both mean this license;
# it is stored and shown by its SKU part number.
SKU = "MCOPSTNC"
SERVICE_PLAN = "MCOPSTNPP"
SKUS = (SKU, SERVICE_PLAN)


@dataclass(frozen=True)
class LicenseView:
    """One active license."""

    slack_user_id: str
    email: str | None
    sku: str
    assigned_by: str
    assigned_at: datetime


@dataclass(frozen=True)
class Assignment:
    """The outcome of assigning one user: `assigned`, or `already` licensed."""

    slack_user_id: str
    outcome: str
    license: LicenseView


def is_credits_license(name: str | None) -> bool:
    """True when a SKU part number or service plan name (a usage record's capability) is the
    Communications Credits license, in any case."""
    return (name or "").strip().upper() in SKUS


def normalize_sku(sku: str) -> str:
    """The SKU part number for either name of the license, in any case; refuse any other."""
    if not is_credits_license(sku):
        raise CreditsError(f"{sku!r} is not the Communications Credits license (SKU {SKU}, "
                           f"service plan {SERVICE_PLAN}).")
    return SKU


class Licenses:
    """Assigns, removes and lists the licenses of an account."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def assign(self, *, account_id: int, slack_user_id: str, email: str | None, actor: str,
               sku: str = SKU) -> Assignment:
        """Give the user a license; a user who has one keeps it (nothing is duplicated)."""
        code = normalize_sku(sku)
        clean_email = email.strip().lower() if email and email.strip() else None
        try:
            with write_transaction(self.engine) as session:
                found = licenses_db.active_license(session=session, account_id=account_id,
                                                   slack_user_id=slack_user_id)
                if found is not None:
                    return Assignment(slack_user_id, "already", _view(found))
                row = licenses_db.insert_license(session=session, license=License(
                    account_id=account_id, slack_user_id=slack_user_id, email=clean_email,
                    sku=code, assigned_by=actor, assigned_at=self.clock.now()))
                return Assignment(slack_user_id, "assigned", _view(row))
        except IntegrityError:
            # A concurrent assignment of the same user won the unique index: it is licensed.
            with read_session(self.engine) as session:
                found = licenses_db.active_license(session=session, account_id=account_id,
                                                   slack_user_id=slack_user_id)
            if found is None:  # pragma: no cover - the index names no other conflict
                raise
            return Assignment(slack_user_id, "already", _view(found))

    def remove(self, *, account_id: int, slack_user_id: str, actor: str) -> bool:
        """Take the user's license back (the row stays, as history); False if they had none."""
        with write_transaction(self.engine) as session:
            found = licenses_db.active_license(session=session, account_id=account_id,
                                               slack_user_id=slack_user_id)
            if found is None:
                return False
            licenses_db.mark_license_removed(session=session, license=found, removed_by=actor,
                                             now=self.clock.now())
            return True

    def list(self, *, account_id: int) -> list[LicenseView]:
        """The active licenses, oldest first."""
        with read_session(self.engine) as session:
            return [_view(row) for row in
                    licenses_db.list_active_licenses(session=session, account_id=account_id)]

    def email_of(self, *, account_id: int, slack_user_id: str) -> str | None:
        """The e-mail (UPN) of the user's active license, if they have one."""
        with read_session(self.engine) as session:
            found = licenses_db.active_license(session=session, account_id=account_id,
                                               slack_user_id=slack_user_id)
            return found.email if found is not None else None

    def count(self, *, account_id: int) -> int:
        with read_session(self.engine) as session:
            return licenses_db.count_active_licenses(session=session, account_id=account_id)

    def is_licensed(self, *, account_id: int, slack_user_id: str) -> bool:
        with read_session(self.engine) as session:
            return licenses_db.active_license(session=session, account_id=account_id,
                                              slack_user_id=slack_user_id) is not None


def _view(row: License) -> LicenseView:
    # Rows written before the names were put right hold the service plan's name.
    sku = SKU if is_credits_license(row.sku) else row.sku
    return LicenseView(slack_user_id=row.slack_user_id, email=row.email, sku=sku,
                       assigned_by=row.assigned_by, assigned_at=row.assigned_at)
