"""Process-wide resources the app holds: engine, session factories, background jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.db import make_engine, make_sessionmaker
from registry.settings import Settings
from service.workers import WorkerProcesses

if TYPE_CHECKING:
    from service.print_jobs import PrintJobs


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    write_sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    # All work in the calling thread (tests that share one connection): print runs
    # render there and the resolver's caches load in the request, never in a thread.
    inline_jobs: bool = False
    _print_jobs: PrintJobs | None = field(default=None, repr=False)
    workers: WorkerProcesses = field(default_factory=WorkerProcesses, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> AppState:
        engine = make_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            write_sessions=make_sessionmaker(engine),
            read_sessions=make_sessionmaker(engine, read_only=True),
        )

    @property
    def print_jobs(self) -> PrintJobs:
        if self._print_jobs is None:
            from service.print_jobs import PrintJobs

            self._print_jobs = PrintJobs(
                self.write_sessions,
                base_url=self.settings.public_base_url,
                data_dir=self.settings.data_dir,
                read_sessions=self.read_sessions,
                inline=self.inline_jobs,
                slice_labels=self.settings.print_slice_labels,
            )
        return self._print_jobs


def start_print_job(state: AppState, run_id: int) -> None:
    """Render a recorded print run in the background (see service.print_jobs)."""
    state.print_jobs.start(run_id)
