"""The `truyxuat` command: operate the registry from a shell."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.accounts.models import Role
from registry.actor import SYSTEM
from registry.db import make_engine, make_sessionmaker, unit_of_work
from registry.settings import get_settings


def _sessions() -> tuple[Engine, sessionmaker[Session]]:
    engine = make_engine(get_settings().database_url)
    return engine, make_sessionmaker(engine)


class _Group(click.Group):
    """Domain errors end a command with their Vietnamese and English message, not a trace."""

    def invoke(self, ctx: click.Context) -> object:
        from registry.errors import TruyxuatError

        try:
            return super().invoke(ctx)
        except TruyxuatError as exc:
            click.echo(f"Lỗi: {exc.message_vi}\nError: {exc.message_en}", err=True)
            ctx.exit(1)


@click.group(
    cls=_Group,
    help="truyxuat — mã số, mã vạch, truy xuất nguồn gốc / codes, barcodes, traceability",
)
def main() -> None:
    pass


@main.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply migrations and refresh reference data (administrative units).")
def db_upgrade() -> None:
    from registry.migrate import prepare_database

    changed = prepare_database(get_settings().database_url)
    click.echo(f"Database at head; {changed} administrative units added or updated.")


@db.command(
    "partitions",
    help="Partition `scan` by month on PostgreSQL (converting it if needed) and create the "
    "months up to N ahead, plus a default partition. Safe to run again, e.g. monthly.",
)
@click.option(
    "--ahead",
    default=3,
    show_default=True,
    type=click.IntRange(0, 120),
    help="Months after the current one to create",
)
def db_partitions(ahead: int) -> None:
    from registry.db import utcnow
    from registry.scans.partitions import DEFAULT_PARTITION, ensure_partitions

    engine = make_engine(get_settings().database_url)
    try:
        if engine.dialect.name != "postgresql":
            click.echo(
                f"Không áp dụng cho {engine.dialect.name}: chỉ PostgreSQL chia bảng scan theo "
                f"tháng; không có gì thay đổi.\nDoes not apply to {engine.dialect.name}: only "
                "PostgreSQL partitions the scan table by month; nothing changed."
            )
            return
        with engine.begin() as connection:
            report = ensure_partitions(connection, ahead=ahead, now=utcnow())
    finally:
        engine.dispose()
    if report.converted:
        click.echo(
            f"Đã chuyển bảng scan sang chia theo tháng / Converted scan to monthly partitions: "
            f"{report.rows_copied} rows copied."
        )
    if report.rows_moved_from_default:
        click.echo(f"{report.rows_moved_from_default} rows moved out of {DEFAULT_PARTITION}.")
    created = ", ".join(report.created) or "—"
    click.echo(f"Phân vùng mới / Partitions created: {created}")


@main.group(help="Demo data.")
def demo() -> None:
    pass


@demo.command("load", help="Load the demo enterprises, products, lots (safe to run again).")
def demo_load() -> None:
    import time

    from service.demo import load_demo
    from service.demo_export import export_lot_link
    from service.demo_links import verdict_links

    started = time.perf_counter()
    engine, sessions = _sessions()
    with unit_of_work(sessions) as session:
        summary = load_demo(session)
    with unit_of_work(sessions) as session:
        base_url = get_settings().public_base_url
        links = verdict_links(session, base_url)
        export_link = export_lot_link(session, base_url)
    engine.dispose()
    click.echo(f"{summary} ({time.perf_counter() - started:.1f} s)")
    click.echo("Một mã cho mỗi kết luận / One Digital Link per verdict (docs/verdicts.md):")
    for kind, link in links:
        click.echo(f"  {kind:<20} {link}")
    if export_link:
        click.echo(f"Lô xuất khẩu sang Trung Quốc / Export lot for China: {export_link}")


# The standard asyncio loop, not uvloop: under saturation uvloop left a few connections
# waiting for many turns (bench_resolver, one core busy: p99 412 ms with uvloop, 33 ms
# with asyncio, at the same throughput).
SERVER_LOOP = "asyncio"
# Nagle's algorithm off on every connection, whatever the number of workers (the
# import path, for uvicorn's command line; `serve` passes the class itself).
SERVER_HTTP = "service.http_protocol:NoDelayHTTPProtocol"


@main.command(help="Serve the app.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    import shutil

    import uvicorn

    from service.http_protocol import NoDelayHTTPProtocol, ProblemWebSocketProtocol

    if get_settings().insecure_secret_key:
        click.echo(
            "Lỗi: chưa đặt TRUYXUAT_SECRET_KEY, không chạy với khóa phát triển công khai"
            " (đặt TRUYXUAT_ENV=development khi phát triển) / Error: TRUYXUAT_SECRET_KEY is"
            " not set; refusing to serve with the published development key"
            " (set TRUYXUAT_ENV=development for development).",
            err=True,
        )
        sys.exit(2)
    if get_settings().weak_password_hash:
        click.echo(
            "Lỗi: TRUYXUAT_PASSWORD_HASH=fast chỉ dùng khi kiểm thử / Error:"
            " TRUYXUAT_PASSWORD_HASH=fast is for test runs; refusing to serve with it"
            " (set TRUYXUAT_ENV=development for development).",
            err=True,
        )
        sys.exit(2)
    click.echo(_banner(f"http://{host}:{port}"))
    if workers > 1:
        # Each worker process counts its own metrics; /metrics adds them up from here.
        metrics_dir = get_settings().data_dir / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    uvicorn.run(
        "service.main:app",
        host=host,
        port=port,
        workers=workers,
        # The app reads forwarded headers itself, from TRUYXUAT_TRUSTED_PROXIES only.
        proxy_headers=False,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=20,
        loop=SERVER_LOOP,
        http=NoDelayHTTPProtocol,
        ws=ProblemWebSocketProtocol,
    )


def _banner(local_url: str) -> str:
    """Where to go, and the demo logins when the demo data is loaded."""
    from sqlalchemy import select

    from registry.accounts.models import User
    from service import demo

    engine, sessions = _sessions()
    try:
        with unit_of_work(sessions) as session:
            has_demo = session.scalar(select(User.id).where(User.email == demo.AGENCY_EMAIL))
            consumer = demo.first_demo_lot_uri(session, local_url) if has_demo else None
    finally:
        engine.dispose()
    lines = [
        "",
        "truyxuat — mã số, mã vạch, truy xuất nguồn gốc",
        f"  Trang chủ / Home:                {local_url}/",
        f"  API (OpenAPI):                   {local_url}/api/docs",
    ]
    if consumer:
        enterprise_email = demo.ENTERPRISES[0].email
        lines += [
            f"  Trang người tiêu dùng / Consumer: {consumer}",
            f"  Doanh nghiệp / Enterprise:        {local_url}/portal  "
            f"({enterprise_email} / {demo.DEMO_PASSWORD})",
            f"  Chi cục / Agency:                 {local_url}/agency  "
            f"({demo.AGENCY_EMAIL} / {demo.DEMO_PASSWORD})",
            f"  Quản trị / Admin:                 {demo.ADMIN_EMAIL} / {demo.DEMO_PASSWORD}",
        ]
    return "\n".join([*lines, ""])


@main.command(help="Sao lưu cơ sở dữ liệu / Back up the database.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Backup file (default: var/backups/truyxuat-<time>.<ext>)",
)
def backup(output: Path | None) -> None:
    import datetime as dt

    from service.backup import BackupError
    from service.backup import backup as make_backup

    settings = get_settings()
    if output is None:
        suffix = "sqlite3" if settings.database_url.startswith("sqlite") else "dump"
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        output = settings.data_dir / "backups" / f"truyxuat-{stamp}.{suffix}"
    try:
        written = make_backup(settings.database_url, output)
    except BackupError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en}") from exc
    click.echo(f"Đã sao lưu / Backed up: {written} ({written.stat().st_size:,} bytes)")


@main.command(help="Khôi phục từ bản sao lưu / Restore the database from a backup.")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
def restore(source: Path, yes: bool) -> None:
    from service.backup import BackupError
    from service.backup import restore as restore_backup

    if not yes:
        click.confirm("Thay toàn bộ dữ liệu hiện có? / Replace all current data?", abort=True)
    try:
        restore_backup(get_settings().database_url, source)
    except BackupError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en}") from exc
    click.echo(f"Đã khôi phục / Restored from {source}")


@main.group(help="User accounts.")
def user() -> None:
    pass


@user.command("create", help="Create a user; the password comes from a prompt or stdin.")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--enterprise", "tax_code", help="Tax code of the user's enterprise")
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
def user_create(
    email: str, role: str, tax_code: str | None, name: str, password_stdin: bool
) -> None:
    from registry.accounts.service import create_user
    from registry.enterprises.policy import Deed, ensure_allows
    from registry.enterprises.service import find_by_tax_code

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password / Mật khẩu", hide_input=True, confirmation_prompt=True)
    engine, sessions = _sessions()
    try:
        with unit_of_work(sessions) as session:
            enterprise = find_by_tax_code(session, tax_code) if tax_code else None
            if enterprise is not None:
                ensure_allows(enterprise, Deed.manage_team)
            account = create_user(
                session,
                actor=SYSTEM,
                email=email,
                password=password,
                role=Role(role),
                enterprise=enterprise,
                full_name=name,
            )
            click.echo(f"Created user {account.email} ({account.role.value}).")
    finally:
        engine.dispose()


@user.command(
    "deactivate",
    help="Deactivate a user: their sessions end and the API keys they made are revoked at once.",
)
@click.option("--email", required=True)
@click.option("--reason", required=True, help="Why; kept in the audit log")
def user_deactivate(email: str, reason: str) -> None:
    from sqlalchemy import select

    from registry.accounts.models import User
    from registry.accounts.service import set_user_active

    engine, sessions = _sessions()
    try:
        with unit_of_work(sessions) as session:
            account = session.scalar(select(User).where(User.email == email.strip().lower()))
            if account is None:
                raise click.ClickException(f"Không có tài khoản / No account: {email}")
            set_user_active(session, actor=SYSTEM, user=account, active=False, reason=reason)
            click.echo(f"Deactivated {account.email}.")
    finally:
        engine.dispose()


KEY_HELP = """Create an API key and print its secret once.

\b
What each kind of key can do:
  --enterprise TAX  reads and writes that enterprise's own data only (products,
                    lots, locations, links, label runs, events); cannot create
                    users or API keys.
  --agency          reads every enterprise's data; changes nothing.
  --agency --write  also acts as an officer on enterprises' data (links, voids,
                    certificate removal, prefix grants, recalls, verification,
                    deactivating users), each change with a reason kept in the
                    audit log; cannot create users or API keys.
  --admin           everything --agency --write can do, plus adding prefixes to
                    the agency's pool, deactivating administrators and listing
                    every key; cannot create users or API keys.
"""


@main.group(help="API keys.")
def apikey() -> None:
    pass


@apikey.command("create", help=KEY_HELP)
@click.option("--enterprise", "tax_code", help="Tax code: a key bound to this enterprise")
@click.option("--agency", is_flag=True, help="An agency key: reads everything, changes nothing")
@click.option(
    "--write", is_flag=True, help="With --agency: may also act as an officer (with reasons)"
)
@click.option("--admin", is_flag=True, help="An administrator key")
@click.option("--name", default="")
def apikey_create(tax_code: str | None, agency: bool, write: bool, admin: bool, name: str) -> None:
    from registry.accounts.models import KeyScope
    from registry.accounts.service import create_api_key
    from registry.enterprises.policy import Deed, ensure_allows
    from registry.enterprises.service import find_by_tax_code

    if sum([bool(tax_code), agency, admin]) != 1:
        raise click.UsageError("Give exactly one of --enterprise, --agency, --admin.")
    if write and not agency:
        raise click.UsageError("--write goes with --agency (other keys always write).")
    engine, sessions = _sessions()
    try:
        with unit_of_work(sessions) as session:
            enterprise = find_by_tax_code(session, tax_code) if tax_code else None
            if enterprise is not None:
                ensure_allows(enterprise, Deed.manage_team)
            role = Role.enterprise if tax_code else Role.agency if agency else Role.admin
            issued = create_api_key(
                session,
                actor=SYSTEM,
                role=role,
                enterprise=enterprise,
                name=name,
                scope=KeyScope.write if write else None,
            )
            click.echo(issued.secret)
    finally:
        engine.dispose()


def _print_command() -> click.Command:
    @click.command("print", help="In một đợt tem cho một lô / Print a run of labels for a lot.")
    @click.option("--gtin", required=True, help="GTIN-13 or GTIN-14 of the product")
    @click.option("--lot", "lot_code", required=True, help="Lot code (AI 10)")
    @click.option("--count", required=True, type=click.IntRange(1, 1_000_000))
    @click.option("--serialize", is_flag=True, help="One unguessable serial per label")
    @click.option(
        "--layout",
        default="a4-3x7",
        show_default=True,
        help="a4-CxR for A4 sheets, roll-WxH for one label per page",
    )
    @click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False))
    def print_run(
        gtin: str, lot_code: str, count: int, serialize: bool, layout: str, output: str
    ) -> None:
        from labels.errors import LabelError
        from labels.output import write_print_run
        from labels.sheets import SheetLayout
        from registry.lots.service import find_lot
        from registry.print_runs.service import create_run
        from registry.products.service import checked_gtin
        from service.print_jobs import run_labels

        settings = get_settings()
        try:
            SheetLayout.parse(layout)
        except LabelError as exc:
            raise click.ClickException(str(exc)) from exc
        engine, sessions = _sessions()
        try:
            with unit_of_work(sessions) as session:
                lot = find_lot(session, gtin=checked_gtin(gtin), code=lot_code)
                if lot is None:
                    raise click.ClickException(
                        f"Không có lô {lot_code} của GTIN {gtin} / no such lot for this GTIN"
                    )
                run = create_run(
                    session, actor=SYSTEM, lot=lot, count=count, serialized=serialize, layout=layout
                )
                with (
                    open(output, "wb") as out,
                    click.progressbar(
                        length=count, label="Đang in / Printing", file=sys.stderr
                    ) as bar,
                ):
                    done = [0]

                    def progress(labels_done: int) -> None:
                        bar.update(labels_done - done[0])
                        done[0] = labels_done

                    summary = write_print_run(
                        run_labels(session, run, base_url=settings.public_base_url),
                        fmt="pdf",
                        layout=layout,
                        out=out,
                        expected_count=count,
                        progress=progress,
                    )
                from registry.print_runs.models import RunStatus

                run.status = RunStatus.done
                run.progress = count
                run.output_path = output
        finally:
            engine.dispose()
        click.echo(f"Đợt in {run.id}: {summary.labels} tem, {summary.pages} trang → {output}")

    return print_run


def _register_groups() -> None:
    from scanner_client.cli import scan
    from service.commands.events import events
    from service.commands.gpc import gpc
    from service.commands.gs1 import gs1
    from service.commands.labels import labels
    from service.commands.taxcode import taxcode

    labels.add_command(_print_command())
    for group in (events, gpc, gs1, taxcode, labels, scan):
        main.add_command(group)


_register_groups()
