"""Queries on Communications Credits licenses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import License


def active_license(*, session: Session, account_id: int, slack_user_id: str) -> License | None:
    return session.exec(select(License).where(
        License.account_id == account_id, License.slack_user_id == slack_user_id,
        col(License.removed_at).is_(None))).first()


def list_active_licenses(*, session: Session, account_id: int) -> Sequence[License]:
    return session.exec(select(License).where(
        License.account_id == account_id, col(License.removed_at).is_(None))
        .order_by(col(License.assigned_at), col(License.id))).all()


def count_active_licenses(*, session: Session, account_id: int) -> int:
    return int(session.exec(select(func.count()).select_from(License).where(
        License.account_id == account_id, col(License.removed_at).is_(None))).one())


def licensed_emails(*, session: Session, account_id: int) -> set[str]:
    rows = session.exec(select(License.email).where(
        License.account_id == account_id, col(License.removed_at).is_(None))).all()
    return {email.lower() for email in rows if email}


def insert_license(*, session: Session, license: License) -> License:
    session.add(license)
    session.flush()
    return license


def mark_license_removed(*, session: Session, license: License, removed_by: str,
                         now: datetime) -> None:
    license.removed_at = now
    license.removed_by = removed_by
    session.add(license)
    session.flush()
