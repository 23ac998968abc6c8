"""Which print queue renders a run. `truyxuat serve --workers N` starts N processes
that each resume unfinished runs at start; a claim on the run's row makes exactly one
of them render it. A claim is taken with a compare-and-set UPDATE (only if the row still
names the holder that was read), so two queues racing for one run cannot both win.

A claim is given up by its holder dying: on the same host a process that no longer
exists holds nothing (a restart resumes at once); elsewhere a claim not renewed for
CLAIM_STALE_AFTER is taken over. The holder renews it after every slice it draws."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.print_runs.models import LabelRun, RunStatus

# A slice takes seconds; minutes without one means the holder is gone.
CLAIM_STALE_AFTER = dt.timedelta(minutes=5)


def new_claimant() -> str:
    """A print queue's name: its host and process, and a token for the queue itself."""
    return f"{socket.gethostname()[:200]}:{os.getpid()}:{secrets.token_hex(6)}"


def _holder_is_gone(holder: str, claimed_at: dt.datetime | None, now: dt.datetime) -> bool:
    if claimed_at is None or now - claimed_at > CLAIM_STALE_AFTER:
        return True
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:200] or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def claim_run(session: Session, *, run_id: int, claimant: str) -> bool:
    """True if `claimant` now holds the unfinished run (or already did)."""
    now = utcnow()
    holder, claimed_at = session.execute(
        select(LabelRun.claimed_by, LabelRun.claimed_at).where(LabelRun.id == run_id)
    ).one_or_none() or (None, None)
    if holder not in (None, claimant) and not _holder_is_gone(holder, claimed_at, now):
        return False
    column = LabelRun.claimed_by
    still_held_by = column.is_(None) if holder is None else column == holder
    taken = session.execute(
        update(LabelRun)
        .where(
            LabelRun.id == run_id,
            still_held_by,
            LabelRun.status.in_([RunStatus.pending, RunStatus.rendering]),
        )
        .values(claimed_by=claimant, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(taken, "rowcount", 0) == 1)


def renew_claim(run: LabelRun, *, claimant: str) -> bool:
    """After a slice: True if the run is still ours (and says so again)."""
    if run.claimed_by != claimant:
        return False
    run.claimed_at = utcnow()
    return True
