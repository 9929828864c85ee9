"""``importTransactions`` as a multipart upload, polled with ``importJob(id)``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from import_support import balance_of, csv_text, earn_line, gql, jsonl, new_key

from exchange.kit.db import Pool

IMPORT = (
    "mutation($input: ImportTransactionsInput!) { importTransactions(input: $input)"
    " { job { id status } userErrors { code message } } }"
)
JOB = (
    "query($id: ID!) { importJob(id: $id) { id status format fileName linesTotal linesPosted"
    " linesAlreadyImported linesRejected failure errors { line idempotencyKey code message }"
    " errorsCsv errorsCsvUrl } }"
)


async def upload(
    client: httpx.AsyncClient, secret: str, name: str, content: str, **input: Any
) -> dict[str, Any]:
    operations = {"query": IMPORT, "variables": {"input": {"file": None, **input}}}
    response = await client.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (name, content.encode(), "application/octet-stream")},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["importTransactions"]
    return payload


async def finished(client: httpx.AsyncClient, secret: str, job_id: str) -> dict[str, Any]:
    for _ in range(200):
        job: dict[str, Any] = (await gql(client, secret, JOB, {"id": job_id}))["importJob"]
        if job["status"] in ("SUCCEEDED", "FAILED"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


async def test_upload_and_poll(
    pool: Pool, client: httpx.AsyncClient, make_partner: Any, make_member: Any
) -> None:
    partner, other = await make_partner(), await make_partner()
    member = await make_member(partner)
    records = [earn_line(member, "3.00"), earn_line(member, "1.234"), earn_line(member, "4.00")]
    key = new_key("upload")
    secret = partner.key.secret
    payload = await upload(client, secret, "earns.jsonl", jsonl(records), idempotencyKey=key)
    assert payload["userErrors"] == []
    job_id = payload["job"]["id"]
    job = await finished(client, secret, job_id)
    assert job["status"] == "SUCCEEDED", job
    assert (job["format"], job["fileName"]) == ("JSONL", "earns.jsonl")
    assert (job["linesTotal"], job["linesPosted"], job["linesAlreadyImported"]) == (3, 2, 0)
    assert job["linesRejected"] == 1
    assert job["errors"] == [
        {
            "line": 2,
            "idempotencyKey": records[1]["idempotencyKey"],
            "code": "INVALID_AMOUNT",
            "message": "EUR amounts have at most 2 decimals",
        }
    ]
    assert job["errorsCsv"].splitlines() == [
        "line,idempotencyKey,code,message",
        f"2,{records[1]['idempotencyKey']},INVALID_AMOUNT,EUR amounts have at most 2 decimals",
    ]
    assert (await balance_of(pool, member))["balance"] == 7

    again = await upload(client, secret, "earns.jsonl", jsonl(records), idempotencyKey=key)
    assert again["job"]["id"] == job_id
    conflict = await upload(client, secret, "x.jsonl", jsonl(records[:1]), idempotencyKey=key)
    assert [e["code"] for e in conflict["userErrors"]] == ["IDEMPOTENCY_CONFLICT"]
    hidden = await gql(client, other.key.secret, JOB, {"id": job_id})
    assert hidden["importJob"] is None


async def test_csv_by_name_and_a_bad_format(
    pool: Pool, client: httpx.AsyncClient, make_partner: Any, make_member: Any
) -> None:
    partner = await make_partner()
    member = await make_member(partner)
    secret = partner.key.secret
    text = csv_text([earn_line(member, "5.00")])
    payload = await upload(client, secret, "earns.csv", text)
    job = await finished(client, secret, payload["job"]["id"])
    assert (job["format"], job["linesPosted"]) == ("CSV", 1)
    refused = await upload(client, secret, "earns.txt", text)
    assert refused["job"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_INPUT"]
    forced = await upload(client, secret, "earns.txt", text, format="CSV")
    job = await finished(client, secret, forced["job"]["id"])
    assert (job["linesPosted"], job["linesAlreadyImported"]) == (0, 1)


async def test_the_error_report_downloads_by_signed_link_or_the_partners_key(
    pool: Pool, client: httpx.AsyncClient, make_partner: Any, make_member: Any
) -> None:
    partner, other = await make_partner(), await make_partner()
    member = await make_member(partner)
    records = [earn_line(member, "1.234"), earn_line(member, "2.00"), earn_line(member, "-1")]
    payload = await upload(client, partner.key.secret, "bad.jsonl", jsonl(records))
    job = await finished(client, partner.key.secret, payload["job"]["id"])
    link = job["errorsCsvUrl"]
    assert link.startswith("/imports/") and "signature=" in link

    by_link = await client.get(link)  # no API key: the link carries the permission
    assert by_link.status_code == 200
    assert by_link.headers["content-type"].startswith("text/csv")
    assert [row.split(",")[:3] for row in by_link.text.splitlines()] == [
        ["line", "idempotencyKey", "code"],
        ["1", records[0]["idempotencyKey"], "INVALID_AMOUNT"],
        ["3", records[2]["idempotencyKey"], "INVALID_AMOUNT"],
    ]
    path = link.split("?")[0]
    own = await client.get(path, headers={"Authorization": f"Bearer {partner.key.secret}"})
    assert own.text == by_link.text
    theirs = await client.get(path, headers={"Authorization": f"Bearer {other.key.secret}"})
    assert theirs.status_code == 404
    assert (await client.get(path)).status_code == 401
    assert (await client.get(link.replace("signature=", "signature=f"))).status_code == 401
