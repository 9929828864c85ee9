"""A webhook delivery worker inside the gateway process (``exchange serve --with-worker``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from exchange.kit.db import Pool
from exchange.kit.secrets_box import SecretBox
from exchange.kit.settings import Settings
from partners.webhooks.transport import ClientOptions
from partners.webhooks.worker import Worker, WorkerOptions

logger = logging.getLogger("exchange.webhooks")
STOP_SECONDS = 20.0
RESTART_SECONDS = 5.0


def options_for(settings: Settings) -> WorkerOptions:
    return WorkerOptions(client=ClientOptions(allow_private=settings.webhook_allow_private_targets))


async def deliver_forever(pool: Pool, settings: Settings, stop: asyncio.Event) -> None:
    """Until ``stop``; a crashed worker is logged and started again."""
    box = SecretBox.from_settings(settings)
    while not stop.is_set():
        try:
            async with Worker(pool, box, options_for(settings)) as worker:
                await worker.run(stop)
        except Exception:
            logger.exception("the webhook worker stopped; restarting")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RESTART_SECONDS)


async def stop_worker(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    """Let attempts in flight finish and be recorded; cancel if that takes too long."""
    stop.set()
    try:
        await asyncio.wait_for(task, STOP_SECONDS)
    except TimeoutError:
        logger.warning("the webhook worker did not stop in time; cancelled")
