"""Schemathesis over the whole schema: thousands of generated operations (valid by the
schema, and invalid ones), as every kind of caller, against the gateway served by uvicorn
on a database of the test's own. None may be a server error: no HTTP 5xx, and no masked
INTERNAL_SERVER_ERROR inside a 200.

The size: ``EXCHANGE_FUZZ_EXAMPLES`` operations in all (default 2,000, about two minutes on
2 busy cores), spread evenly over the schema's operations and the two generation modes."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from principals_support import make_cast
from schemathesis import GenerationMode
from schemathesis.graphql import nodes

from exchange.kit.settings import Settings

sys.path.insert(0, str(Path(__file__).parent.parent / "webapp"))
from live_server import serve

SCHEMA_FILE = Path(__file__).parent.parent.parent / "schema.graphql"
EXAMPLES = int(os.environ.get("EXCHANGE_FUZZ_EXAMPLES", "2000"))


# the schema's own scalars: well-formed values most of the time, anything text sometimes
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.datetimes(timezones=st.timezones()).map(lambda value: value.isoformat()),
        st.text(max_size=30),
    ).map(nodes.String),
)
schemathesis.graphql.scalar(
    "Duration",
    st.one_of(
        st.integers(min_value=-5, max_value=5000).map(lambda days: f"P{days}D"),
        st.from_regex(r"\APT\d{1,6}[HMS]\Z"),
        st.text(max_size=12),
    ).map(nodes.String),
)
schemathesis.graphql.scalar("Upload", st.just(nodes.Null))


def fuzz_settings(url: str) -> Settings:
    # limits off: every generated operation runs (a 429 would only hide it)
    return Settings(database_url=url, rate_limit_per_second=0)


def operations() -> list:
    schema = schemathesis.graphql.from_file(SCHEMA_FILE.read_text())
    return [result.ok() for result in schema.get_all_operations()]


def server_errors(response: httpx.Response) -> list[str]:
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}"]
    body = response.json()
    return [
        error["message"]
        for error in body.get("errors") or []
        if (error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
    ]


@pytest.mark.fuzz
async def test_no_generated_operation_is_a_server_error(fresh_pool, fresh_url):
    cast = await make_cast(fresh_pool, fuzz_settings(fresh_url))
    credentials = [value for value in cast.credentials().values() if value is not None]
    found = operations()
    per_case = max(1, EXAMPLES // (2 * len(found)))
    sent: Counter[int] = Counter()
    failures: list[str] = []
    with serve(fuzz_settings(fresh_url)) as base_url, httpx.Client(base_url=base_url) as http:
        for operation in found:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @settings(
                    max_examples=per_case,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(mode), key=st.sampled_from(credentials))
                def send(case, key):
                    response = http.post(
                        "/graphql",
                        json={"query": case.body},
                        headers={"Authorization": f"Bearer {key}"},
                        timeout=60,
                    )
                    sent[response.status_code] += 1
                    for problem in server_errors(response):
                        failures.append(f"{problem}\n{case.body}")

                # hypothesis drives a blocking client; the server's loop runs in its thread
                await asyncio.to_thread(send)
    print(f"\n{sum(sent.values())} operations sent, by HTTP status: {dict(sent)}")
    assert failures == [], failures[:5]
    assert sum(sent.values()) >= min(EXAMPLES, 2 * len(found)) * 0.9
    assert 500 not in sent
