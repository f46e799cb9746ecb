"""The card simulation's book of charges, keyed by idempotency key."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import GatewayCharge


def get_gateway_charge(*, session: Session, key: str) -> GatewayCharge | None:
    return session.get(GatewayCharge, key, populate_existing=True)


def insert_gateway_charge(*, session: Session, charge: GatewayCharge) -> GatewayCharge:
    """Insert the key's result, or return the one another process wrote first."""
    try:
        with session.begin_nested():
            session.add(charge)
            session.flush()
    except IntegrityError:  # the savepoint's rollback took `charge` out of the session
        found = get_gateway_charge(session=session, key=charge.idempotency_key)
        assert found is not None  # the unique key was taken by exactly this row
        return found
    return charge


def list_gateway_charges(*, session: Session, outcome: str = "succeeded") -> list[GatewayCharge]:
    """The book's rows with this outcome, oldest first."""
    statement = (select(GatewayCharge).where(GatewayCharge.outcome == outcome)
                 .order_by(col(GatewayCharge.charged_at), col(GatewayCharge.idempotency_key)))
    return list(session.exec(statement).all())

