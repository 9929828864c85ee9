"""A webhook receiver for the ``webhooks`` scenario, in a process of its own:
``python -m bench.receiver PORT FAIL_SHARE``. It answers 200, or 500 to a ``FAIL_SHARE`` of
requests (drawn per request from a fixed seed), and counts the distinct ``webhook-id`` it
accepted; ``GET /stats`` tells. It does not verify signatures (that is the partner's cost)."""

from __future__ import annotations

import random
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

accepted: set[str] = set()
requests = {"all": 0, "refused": 0}
draw = random.Random(7)  # noqa: S311 - a reproducible failure pattern, not a secret


def app_for(fail_share: float) -> Starlette:
    async def hook(request: Request) -> Response:
        await request.body()
        requests["all"] += 1
        if draw.random() < fail_share:
            requests["refused"] += 1
            return Response("try again", status_code=500)
        accepted.add(request.headers["webhook-id"])
        return Response(status_code=204)

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({"accepted": len(accepted), **requests})

    return Starlette(
        routes=[Route("/hook", hook, methods=["POST"]), Route("/stats", stats, methods=["GET"])]
    )


if __name__ == "__main__":
    port, fail_share = int(sys.argv[1]), float(sys.argv[2])
    uvicorn.run(
        app_for(fail_share), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
