"""One delivery attempt: sign the event as Standard Webhooks says, POST it, decide what its
answer means (succeeded, retry when, dead, or gone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.kit.secrets_box import SecretBox
from partners.webhooks import endpoints, schedule, sender, signing
from partners.webhooks.delivery import Job, Outcome
from partners.webhooks.schedule import Jitter, Verdict
from partners.webhooks.sender import Answer
from partners.webhooks.transport import Transports

MAX_CACHED_SECRETS = 10_000
STATUS = {
    Verdict.SUCCEEDED: "SUCCEEDED",
    Verdict.RETRY: "PENDING",
    Verdict.DEAD: "DEAD",
    Verdict.GONE: "DEAD",
}


@dataclass
class Secrets:
    """Opened HMAC secrets, remembered by their sealed form (a rotation seals a new one)."""

    box: SecretBox
    _opened: dict[str, bytes] = field(default_factory=dict)

    def key(self, sealed: str) -> bytes:
        opened = self._opened.get(sealed)
        if opened is None:
            if len(self._opened) >= MAX_CACHED_SECRETS:
                self._opened.clear()
            secret = self.box.open(sealed, purpose=endpoints.PURPOSE).decode()
            opened = self._opened[sealed] = signing.secret_bytes(secret)
        return opened


def headers(
    job: Job, timestamp: int, secrets: Secrets, ed25519: list[Ed25519PrivateKey]
) -> dict[str, str]:
    content = signing.signed_content(job.event_id, timestamp, job.body.encode())
    if job.signing == "HMAC_SHA256":
        signatures = [signing.hmac_signature(secrets.key(s), content) for s in job.secrets]
    else:
        signatures = [signing.ed25519_signature(key, content) for key in ed25519]
    return {
        "content-type": "application/json",
        "webhook-id": job.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.header(signatures),
    }


def decide(job: Job, answer: Answer, attempted_at: datetime, jitter: Jitter) -> Outcome:
    found = schedule.verdict(answer.http_status, job.try_number)
    next_at = None
    if found is Verdict.RETRY:
        retry_after = None
        if answer.http_status in schedule.RETRY_AFTER_STATUSES:
            retry_after = schedule.parse_retry_after(answer.retry_after, attempted_at)
        delay = schedule.retry_delay(job.try_number, retry_after=retry_after, jitter=jitter)
        next_at = attempted_at + delay
    return Outcome(
        delivery_id=job.delivery_id,
        attempt=job.attempt,
        status=STATUS[found],
        attempted_at=attempted_at,
        http_status=answer.http_status,
        error=answer.error,
        latency_ms=answer.latency_ms,
        snippet=answer.snippet,
        next_attempt_at=next_at,
        endpoint_gone=job.endpoint_id if found is Verdict.GONE else None,
    )


def not_sent(job: Job, attempted_at: datetime, reason: str) -> Outcome:
    return Outcome(
        delivery_id=job.delivery_id,
        attempt=job.attempt,
        status="DEAD",
        attempted_at=attempted_at,
        http_status=None,
        error=f"not sent: {reason}",
        latency_ms=0,
        snippet=None,
        next_attempt_at=None,
    )


@dataclass(frozen=True)
class Attempter:
    """Everything an attempt needs besides the job: the transports, the clocks, the keys."""

    transports: Transports
    secrets: Secrets
    clock: Callable[[], datetime]
    """Business time: when attempts happen and retries fall due (injectable)."""
    wall: Callable[[], float]
    """Real time for ``webhook-timestamp``: receivers compare it with their own clock."""
    jitter: Jitter
    deadline: float

    async def attempt(self, job: Job, ed25519: list[Ed25519PrivateKey]) -> Outcome:
        attempted_at = self.clock()
        if not job.endpoint_active:
            return not_sent(job, attempted_at, "the endpoint is disabled")
        signed = headers(job, int(self.wall()), self.secrets, ed25519)
        async with self.transports.borrow() as transport:
            answer = await sender.post(
                transport,
                job.url,
                job.body.encode(),
                signed,
                timeouts=self.transports.timeout,
                deadline=self.deadline,
            )
        return decide(job, answer, attempted_at, self.jitter)
