"""Bulk import of a partner's earn file: read, price and stage the lines in batches (COPY),
validate them set-based, post the good ones chunk by chunk (one transaction each), finish
with counts and an error report. Lines that fail never block good ones; a re-run of the
same file posts only what is missing (the idempotency records say what is)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from typing import Any

import psycopg

from exchange.kit import clock
from exchange.kit.db import Pool, transaction
from exchange.kit.errors import ExchangeError, InvalidInput
from exchange.kit.ids import expect_global_id
from exchange.ledger import importing
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.importing import ImportJob, StagedLine
from partners import earn_rule_cache, registry
from partners.import_files import Record, read_records
from partners.import_lines import MemberLookup, Terms, card_key, reference, stage_record
from partners.tiers import earning as tier_earning

CHUNK_LINES = 10_000
DEADLOCK_ATTEMPTS = 3
HEARTBEAT_SECONDS = 10.0
"""How often a running job says its process is alive."""
SILENT_SECONDS = 120.0
"""A QUEUED or RUNNING job silent this long is given up as interrupted (its process died)."""


class ImportAbandoned(Exception):
    """The job was given up as interrupted while this process still ran it (it missed its
    heartbeats, e.g. a database outage): it stops posting."""


@dataclass(frozen=True)
class Progress:
    phase: str
    """``staging`` (lines read), ``posting`` (lines posted; both run at once) or ``done``."""
    done: int
    total: int | None


ProgressHook = Callable[[Progress], None]


def caller_of(partner_id: int) -> str:
    """The idempotency scope of a partner's earns (as for ``earnPoints``)."""
    return f"partner:{partner_id}"


async def _batches(records: Iterable[Record], size: int) -> AsyncIterator[list[Record]]:
    """The records a batch at a time, read and parsed in a worker thread."""
    iterator = iter(records)
    while batch := await asyncio.to_thread(lambda: list(islice(iterator, size))):
        yield batch


def _references(batch: list[Record]) -> tuple[list[str], list[str]]:
    cards, external = [], []
    for record in batch:
        if record.fields is None:
            continue
        try:
            kind, value = reference(record.fields)
        except InvalidInput:
            continue
        if kind == "cardNumber":
            cards.append(card_key(value))
        elif kind == "externalId":
            external.append(value)
    return cards, external


def _price_batch(batch: list[Record], terms: Terms, lookup: MemberLookup) -> list[StagedLine]:
    return [stage_record(record, terms, lookup) for record in batch]


def _member_ids(batch: list[Record]) -> set[int]:
    """The members the batch names by their global id (well-formed ones)."""
    found = set()
    for record in batch:
        value = None if record.fields is None else record.fields.get("memberId")
        with contextlib.suppress(ExchangeError):
            found.add(expect_global_id(str(value), "Member", error=MemberNotFound))
    return found


async def _stage_batch(pool: Pool, job: ImportJob, batch: list[Record], terms: Terms) -> int:
    cards, external = _references(batch)
    async with transaction(pool) as conn:
        by_card = await importing.members_by_card(conn, cards) if cards else {}
        by_external_id = (
            await importing.members_by_external_id(conn, job.partner_id, external)
            if external
            else {}
        )
        members = {*_member_ids(batch), *by_card.values(), *by_external_id.values()}
        lookup = MemberLookup(
            by_card=by_card,
            by_external_id=by_external_id,
            tiers=await tier_earning.earn_tiers(conn, members, clock.now()),
        )
        # priced in a worker thread: a gateway's event loop keeps serving meanwhile
        staged = await asyncio.to_thread(_price_batch, batch, terms, lookup)
        return await importing.stage(conn, job.id, staged)


Ranges = asyncio.Queue[tuple[int, int] | None]


async def _stage(
    pool: Pool,
    job: ImportJob,
    records: Iterable[Record],
    terms: Terms,
    steps: tuple[int, ProgressHook, Ranges],
) -> None:
    """Stage the file a batch at a time, handing each batch's line range to the poster."""
    size, hook, ranges = steps
    read = 0
    try:
        async for batch in _batches(records, size):
            read += await _stage_batch(pool, job, batch, terms)
            hook(Progress("staging", read, None))
            ranges.put_nowait((batch[0].line_no, batch[-1].line_no))
    finally:
        ranges.put_nowait(None)


async def _post_range(pool: Pool, job: ImportJob, lines: tuple[int, int], first: bool) -> int:
    """One transaction; a deadlock (a single earn holding a key of this range while waiting
    for one of its members) rolls it back whole, and it is tried again."""
    caller = caller_of(job.partner_id)
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            async with transaction(pool) as conn:
                await importing.validate(
                    conn,
                    job.id,
                    partner_id=job.partner_id,
                    caller=caller,
                    lines=lines,
                    analyze=first,
                )
                return await importing.post_chunk(
                    conn,
                    job.id,
                    partner_id=job.partner_id,
                    caller=caller,
                    lines=lines,
                    now=clock.now(),
                )
        except psycopg.errors.DeadlockDetected:
            if attempt == DEADLOCK_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _post(pool: Pool, job: ImportJob, ranges: Ranges, hook: ProgressHook) -> None:
    """Validate and post each staged range in one transaction, while the next is staged."""
    posted = 0
    first = True
    while (lines := await ranges.get()) is not None:
        posted += await _post_range(pool, job, lines, first)
        first = False
        hook(Progress("posting", posted, None))


async def _pipeline(
    pool: Pool, job: ImportJob, text: Iterable[str], terms: Terms, size: int, hook: ProgressHook
) -> None:
    ranges: Ranges = asyncio.Queue()
    records = read_records(text, job.format)
    stager = asyncio.create_task(_stage(pool, job, records, terms, (size, hook, ranges)))
    try:
        await _post(pool, job, ranges, hook)
    except BaseException:
        stager.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stager
        raise
    await stager


async def _with_heartbeat(pool: Pool, job_id: int, work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` while beating every ``HEARTBEAT_SECONDS``; stop it if the job was given
    up meanwhile (``ImportAbandoned``)."""
    worker = asyncio.current_task()
    assert worker is not None
    abandoned = False

    async def beat_forever() -> None:
        nonlocal abandoned
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                async with transaction(pool) as conn:
                    alive = await importing.beat(conn, job_id, clock.now())
            except psycopg.OperationalError:
                continue  # a missed beat; the work itself will meet the outage too
            if not alive:
                abandoned = True
                worker.cancel()
                return

    beating = asyncio.create_task(beat_forever())
    try:
        await work
    except asyncio.CancelledError:
        if not abandoned:
            raise
        worker.uncancel()
        raise ImportAbandoned(importing.INTERRUPTED) from None
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating


async def fail_interrupted(pool: Pool, *, silent_seconds: float = SILENT_SECONDS) -> list[int]:
    """Give up the jobs whose process died (no heartbeat for ``silent_seconds``): FAILED with
    a reason that says to import the file again. Any gateway or worker may run it."""
    now = clock.now()
    async with transaction(pool) as conn:
        return await importing.fail_interrupted(
            conn, silent_since=now - timedelta(seconds=silent_seconds), now=now
        )


async def run_job(
    pool: Pool,
    job: ImportJob,
    text: Iterable[str],
    *,
    currency: str,
    hook: ProgressHook = lambda progress: None,
    chunk_lines: int = CHUNK_LINES,
) -> ImportJob:
    """Run a QUEUED job over the file's text to its end; FAILED (and re-raised) on an error,
    with the chunks (``chunk_lines`` lines of the file each) already posted left posted."""
    try:
        async with transaction(pool) as conn:
            await importing.start_job(conn, job.id, clock.now())
            versions = await earn_rule_cache.versions(conn, job.partner_id, fresh=True)
        terms = Terms(job.partner_id, versions, currency, clock.now())
        await _with_heartbeat(pool, job.id, _pipeline(pool, job, text, terms, chunk_lines, hook))
        async with transaction(pool) as conn:
            finished = await importing.finish(conn, job.id, clock.now())
    except BaseException as error:
        async with transaction(pool) as conn:
            await importing.fail(conn, job.id, f"{type(error).__name__}: {error}", clock.now())
        raise
    hook(Progress("done", finished.lines_total, finished.lines_total))
    return finished


async def new_job(
    pool: Pool,
    *,
    partner_id: int,
    format: str,
    file_name: str | None,
    idempotency_key: str | None = None,
    file_sha256: str | None = None,
) -> tuple[ImportJob, bool]:
    async with transaction(pool) as conn:
        return await importing.create_job(
            conn,
            partner_id=partner_id,
            format=format,
            file_name=file_name,
            idempotency_key=idempotency_key,
            file_sha256=file_sha256,
        )


async def partner_id_of(pool: Pool, code: str) -> int:
    async with transaction(pool) as conn:
        return (await registry.get_partner(conn, code=code.strip().upper())).id
