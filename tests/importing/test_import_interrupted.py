"""An import whose process dies (kill -9) is given up as interrupted, its staging dropped, and
importing the same file again posts only the rest; a job given up while its process still
runs stops posting."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from import_support import (
    audit_failures,
    balance_of,
    earn_line,
    import_file,
    row_counts,
    write_file,
)

from exchange.kit.db import Pool, transaction
from exchange.ledger.importing import INTERRUPTED
from partners import importing

KILLED_IMPORT = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from exchange.kit.db import open_pool
    from partners import importing

    def die_after_first_chunk(progress):
        if progress.phase == "posting" and progress.done > 0:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup of any kind runs

    async def main(url, partner_id, path):
        pool = await open_pool(url, size=2)
        job, _ = await importing.new_job(
            pool, partner_id=partner_id, format="JSONL", file_name="killed.jsonl"
        )
        print(job.id, flush=True)
        with open(path) as text:
            await importing.run_job(
                pool, job, text, currency="EUR", hook=die_after_first_chunk, chunk_lines=4
            )

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
    """
)


async def job_row(pool: Pool, job_id: int) -> dict[str, Any]:
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT j.status, j.failure, j.lines_posted,"
            " (SELECT count(*) FROM import_lines l WHERE l.job_id = j.id) AS staged"
            " FROM import_jobs j WHERE j.id = %s",
            (job_id,),
        )
        row = await cur.fetchone()
    assert row is not None
    return dict(row)


async def test_a_killed_import_is_given_up_and_a_rerun_posts_the_rest(
    database_url: str, pool: Pool, make_partner: Any, make_member: Any, tmp_path: Path
) -> None:
    partner = await make_partner()
    people = [await make_member(partner) for _ in range(2)]
    path = write_file(
        tmp_path / "killed.jsonl", [earn_line(people[i % 2], f"{i + 1}.00") for i in range(10)]
    )
    before = await row_counts(pool)
    killed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", KILLED_IMPORT, database_url, str(partner.id), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EXCHANGE_DATABASE_URL": database_url},
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    job_id = int(killed.stdout.split()[0])
    assert await job_row(pool, job_id) == {
        "status": "RUNNING",
        "failure": None,
        "lines_posted": 4,
        "staged": 10,
    }

    assert job_id not in await importing.fail_interrupted(pool)  # it beat moments ago
    assert job_id in await importing.fail_interrupted(pool, silent_seconds=0)
    assert await job_row(pool, job_id) == {
        "status": "FAILED",
        "failure": INTERRUPTED,
        "lines_posted": 4,
        "staged": 0,
    }
    assert (await row_counts(pool))["journal_entries"] - before["journal_entries"] == 4

    job, errors = await import_file(pool, partner.id, path, chunk_lines=4)
    assert (job.status, job.lines_posted, job.lines_already, errors) == ("SUCCEEDED", 6, 4, [])
    balances = [(await balance_of(pool, member))["balance"] for member in people]
    assert sum(balances) == sum(range(1, 11))
    assert await audit_failures(pool) == []


async def test_a_job_given_up_while_running_stops_posting(
    pool: Pool, make_partner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = await make_partner()
    monkeypatch.setattr(importing, "HEARTBEAT_SECONDS", 0.01)
    job, _ = await importing.new_job(pool, partner_id=partner.id, format="JSONL", file_name="x")
    async with transaction(pool) as conn:
        await importing.importing.start_job(conn, job.id, job.created_at)
    stuck = asyncio.Event()

    async def given_up_then_stuck() -> None:
        async with transaction(pool) as conn:
            await conn.execute(
                "UPDATE import_jobs SET status = 'FAILED', failure = 'given up' WHERE id = %s",
                (job.id,),
            )
        await stuck.wait()  # a chunk that would post after the job was given up

    with pytest.raises(importing.ImportAbandoned, match="interrupted"):
        await asyncio.wait_for(
            importing._with_heartbeat(pool, job.id, given_up_then_stuck()), timeout=10
        )
    assert (await job_row(pool, job.id))["failure"] == "given up"
