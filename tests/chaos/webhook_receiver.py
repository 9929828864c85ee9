"""A partner's webhook receiver in a process of its own: ``python webhook_receiver.py PORT``.

It answers 204 to every ``POST /hooks/{partner}`` and remembers each ``webhook-id`` with how
many times it came; ``GET /ids`` returns them (``{"ids": {id: times}, "requests": n}``).
Signatures are verified by the webhook tests; here only delivery counts.
"""

from __future__ import annotations

import sys
from collections import Counter

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

received: Counter[str] = Counter()


async def hook(request: Request) -> Response:
    await request.body()
    received[request.headers.get("webhook-id", "")] += 1
    return Response(status_code=204)


async def ids(request: Request) -> JSONResponse:
    return JSONResponse({"ids": dict(received), "requests": sum(received.values())})


app = Starlette(
    routes=[
        Route("/hooks/{partner}", hook, methods=["POST"]),
        Route("/ids", ids, methods=["GET"]),
    ]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
