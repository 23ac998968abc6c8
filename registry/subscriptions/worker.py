"""The delivery worker: a thread of each server process that sends due webhook batches.

Several server processes (and nodes) may each run one: a subscription is leased in the
database for one delivery at a time, so each batch goes out once. Sending waits on the
network, not on the CPU, so a thread serves; the event loop is never involved.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from registry.db import unit_of_work, utcnow
from registry.settings import Settings
from registry.subscriptions.delivery import (
    abandoned_sockets,
    claim_batch,
    due_webhooks,
    end_subscription,
    record_outcome,
    set_aside,
)
from registry.subscriptions.destinations import allowed_networks
from registry.subscriptions.webhooks import Sent, send

log = logging.getLogger("truyxuat.subscriptions")


class DeliveryWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        read_sessions: sessionmaker[Session] | None = None,
    ) -> None:
        self._sessions = sessions
        # Looking for due work is a read: on SQLite it must not take the write lock.
        self._read_sessions = read_sessions or sessions
        self._settings = settings
        self._allowed = allowed_networks(settings.webhook_allowed_networks)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="epcis-deliveries", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self._settings.subscription_poll_seconds):
            try:
                self.deliver_due()
            except SQLAlchemyError:
                log.warning("subscription deliveries: database unavailable", exc_info=True)
            except Exception:
                # The thread must outlive any one failure, or deliveries stop for good.
                log.exception("subscription deliveries: unexpected failure")

    def deliver_due(self) -> int:
        """Send every batch that is due now; how many batches were sent."""
        with unit_of_work(self._read_sessions) as session:
            due = due_webhooks(session, now=utcnow())
            abandoned = abandoned_sockets(session, now=utcnow())
        for subscription_id in abandoned:
            with unit_of_work(self._sessions) as session:
                end_subscription(session, subscription_id=subscription_id)
        sent = 0
        for subscription_id in due:
            try:
                sent += self._deliver(subscription_id)
            except SQLAlchemyError:
                raise
            except Exception as exc:
                # One subscription that cannot be served (its stored query no longer
                # reads, say) must not hold up the others: it waits, saying why.
                log.exception("subscription %s: set aside", subscription_id)
                with unit_of_work(self._sessions) as session:
                    set_aside(session, subscription_id=subscription_id, error=repr(exc))
        return sent

    def _deliver(self, subscription_id: str) -> int:
        sent = 0
        while not self._stop.is_set():
            with unit_of_work(self._sessions) as session:
                batch = claim_batch(session, subscription_id=subscription_id, now=utcnow())
            if batch is None:
                break
            outcome = Sent(None) if batch.body is None else send(batch, allowed=self._allowed)
            sent += batch.body is not None
            if outcome.error:
                log.info("subscription %s: delivery failed: %s", subscription_id, outcome.error)
            with unit_of_work(self._sessions) as session:
                record_outcome(
                    session,
                    batch=batch,
                    error=outcome.error,
                    permanent=outcome.permanent,
                    retry_first_seconds=self._settings.webhook_retry_seconds,
                    max_attempts=self._settings.webhook_max_attempts,
                )
            if outcome.error or not batch.more:
                break
        return sent
