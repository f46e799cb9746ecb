"""Queries on the alert outbox: insert once per dedupe key, claim due rows, record outcomes.

A row goes `pending -> sending -> sent`, or back to `pending` with a later `next_attempt_at`
(rate limit, Slack error), or to `dead` after too many permanent failures, or to `routed` when it
was handed to one DM row per admin (no channel, or a channel that cannot take it). A claim sets
`sending`, a claim token and a deadline (`next_attempt_at`); only the claimer's token can
record the outcome, and a claim whose deadline passed (its process died) is due again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import OutboxMessage

DM_PREFIX = "@"  # a target "@U123" is a DM to that user, opened at delivery

PENDING, SENDING, SENT, DEAD, ROUTED = "pending", "sending", "sent", "dead", "routed"
UNDELIVERED = (PENDING, SENDING, DEAD)
CLAIM_EXPIRED = "claim expired before an answer was recorded"


def insert_message(*, session: Session, message: OutboxMessage) -> bool:
    """Add a message unless its dedupe key exists already; True when it was added."""
    # ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL a failed
    # INSERT would abort the caller's whole transaction (the money change that caused the alert).
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = message.model_dump(exclude={"id"})
    statement = (insert(OutboxMessage).values(**values)
                 .on_conflict_do_nothing(index_elements=["dedupe_key"])
                 .returning(col(OutboxMessage.id)))
    return session.execute(statement).first() is not None


def has_message(*, session: Session, dedupe_key: str) -> bool:
    """True when a message with this key, or one of its per-recipient copies, exists."""
    like = (dedupe_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "|%")
    statement = select(func.count()).select_from(OutboxMessage).where(or_(
        col(OutboxMessage.dedupe_key) == dedupe_key,
        col(OutboxMessage.dedupe_key).like(like, escape="\\")))
    return bool(session.exec(statement).one())


def claim_due(*, session: Session, now: datetime, claim_token: str, claim_until: datetime,
              limit: int) -> list[OutboxMessage]:
    """Mark up to `limit` due messages as being sent by `claim_token` and return them.

    Due: pending and at or past `next_attempt_at`, or sending whose claim deadline passed.
    PostgreSQL skips rows another relay has locked (`FOR UPDATE SKIP LOCKED`); on SQLite the
    caller's `BEGIN IMMEDIATE` transaction already excludes every other writer.
    """
    statement = (select(OutboxMessage)
                 .where(col(OutboxMessage.status).in_((PENDING, SENDING)),
                        col(OutboxMessage.next_attempt_at) <= now)
                 .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
                 .limit(limit)
                 .execution_options(populate_existing=True))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    claimed = list(session.exec(statement).all())
    for message in claimed:
        if message.status == SENDING:  # its claimer died, or timed out, mid-delivery
            message.last_error = CLAIM_EXPIRED
        message.status = SENDING
        message.claim_token = claim_token
        message.next_attempt_at = claim_until
        message.attempts += 1
        session.add(message)
    session.flush()
    return claimed


def _finish(session: Session, *, message_id: int, claim_token: str,
            values: dict[str, Any]) -> bool:
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.status) == SENDING,
               col(OutboxMessage.claim_token) == claim_token)
        .values(**values)
        .returning(col(OutboxMessage.id))
        .execution_options(synchronize_session=False)).first()
    return result is not None


def mark_sent(*, session: Session, message_id: int, claim_token: str, slack_ts: str | None,
              now: datetime) -> bool:
    """Record Slack's ok; False when the claim was lost (another relay re-claimed the row)."""
    return _finish(session, message_id=message_id, claim_token=claim_token, values={
        "status": SENT, "slack_ts": slack_ts, "sent_at": now, "claim_token": None})


def reschedule(*, session: Session, message_id: int, claim_token: str, at: datetime,
               error: str | None, refund_attempt: bool = False) -> bool:
    """Put a claimed message back as pending, due at `at`; a rate limit refunds the attempt."""
    values: dict[str, Any] = {"status": PENDING, "next_attempt_at": at, "claim_token": None}
    if error is not None:
        values["last_error"] = error[:300]
    if refund_attempt:
        values["attempts"] = col(OutboxMessage.attempts) - 1
    return _finish(session, message_id=message_id, claim_token=claim_token, values=values)


def mark_dead(*, session: Session, message_id: int, claim_token: str, error: str) -> bool:
    """Give up on a message (recorded with its last error; it stays for the operators)."""
    return _finish(session, message_id=message_id, claim_token=claim_token, values={
        "status": DEAD, "last_error": error[:300], "claim_token": None})


def mark_routed(*, session: Session, message_id: int, claim_token: str, note: str) -> bool:
    """Record that the message went on as DM rows of its own (the note says why)."""
    return _finish(session, message_id=message_id, claim_token=claim_token, values={
        "status": ROUTED, "last_error": note[:300], "claim_token": None})


def hasten_unaddressed(*, session: Session, account_id: int, now: datetime) -> int:
    """Make the account's waiting messages without a channel due now (a channel was just
    set); return how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.account_id) == account_id,
               col(OutboxMessage.status) == PENDING, col(OutboxMessage.channel).is_(None),
               col(OutboxMessage.next_attempt_at) > now)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def list_undelivered(*, session: Session, account_id: int,
                     limit: int) -> tuple[int, Sequence[OutboxMessage]]:
    """(how many, the newest `limit`) of the account's messages Slack has not taken yet, or
    has given up on."""
    where = (col(OutboxMessage.account_id) == account_id,
             col(OutboxMessage.status).in_(UNDELIVERED))
    total = session.exec(select(func.count()).select_from(OutboxMessage).where(*where)).one()
    rows = session.exec(select(OutboxMessage).where(*where)
                        .order_by(col(OutboxMessage.id).desc()).limit(limit)).all()
    return int(total), rows
