"""``/graphql`` over HTTP: body limit, authentication, strawberry, and honest status codes."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from cross_web import HTTPException, StarletteRequestAdapter
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from exchange.kit import clock
from exchange.kit.db import is_unavailable
from exchange.kit.replica import format_lsn, parse_lsn
from exchange.portal.hashing import portal_key

from . import errors, read_routing, unavailable
from .auth import Unauthenticated, authenticate
from .bodies import MAX_BODY_BYTES, check_strings, read_limited
from .context import Context, Resources
from .errors import MASKED, error_body, format_error, is_request_error
from .middleware import facts_of, request_id_of
from .schema import GatewaySchema

logger = logging.getLogger("exchange.gateway")

_HTTP_CODES = {401: "UNAUTHENTICATED", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}


class GatewayView(GraphQL[Context, None]):
    def __init__(
        self, schema: GatewaySchema, resources: Resources, *, max_body: int = MAX_BODY_BYTES
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(),
            # file uploads (importTransactions); keys travel in a header, never in a cookie,
            # so a cross-site form cannot post one with a caller's credentials
            multipart_uploads_enabled=True,
        )
        self.resources = resources
        self.max_body = max_body
        self.max_upload = resources.settings.max_upload_bytes

    def _body_limit(self, request: Request) -> int:
        """JSON operations are small; a multipart upload carries a partner's file."""
        multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
        return self.max_upload if multipart else self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        response = await self.handle(Request(scope, receive))
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        request_id = request_id_of(request.scope)
        try:
            return await self._handle(request, request_id)
        except Unauthenticated as error:
            return JSONResponse(
                error_body(error.message, "UNAUTHENTICATED"),
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="exchange"'},
            )
        except HTTPException as error:
            code = _HTTP_CODES.get(error.status_code, "BAD_REQUEST")
            return JSONResponse(error_body(error.reason, code), status_code=error.status_code)
        except ClientDisconnect:
            return Response(status_code=400)
        except Exception as error:
            if is_unavailable(error):
                pools = unavailable.pools_of(self.resources)
                return await unavailable.response(request_id, pools, error)
            logger.exception("unexpected error in request %s", request_id)
            return JSONResponse(
                error_body(MASKED, "INTERNAL_SERVER_ERROR", requestId=request_id), status_code=500
            )

    async def _handle(self, request: Request, request_id: str) -> Response:
        adapter = StarletteRequestAdapter(request)
        if not self.is_request_allowed(adapter):
            raise HTTPException(405, "GraphQL accepts GET (queries) and POST only")
        if self.should_render_graphql_ide(adapter):
            return await self.render_graphql_ide(request)
        if request.method == "POST":
            request = await read_limited(request, self._body_limit(request))
        check_strings(list(request.query_params.values()))
        principal = await authenticate(
            self.resources.pool,
            self.resources.keys,
            request.headers.get("authorization"),
            now=clock.now(),
            member_key=portal_key(self.resources.settings),
        )
        facts = facts_of(request.scope)
        facts.principal = principal.role
        facts.key_id = None if principal.member_id is not None else principal.key_id
        context = Context(
            pool=self.resources.pool,
            settings=self.resources.settings,
            principal=principal,
            request_id=request_id,
            facts=facts,
            router=self.resources.router,
            claimed_lsn=parse_lsn(request.headers.get(read_routing.HEADER)),
            limiter=self.resources.limiter,
        )
        response = await self.run(request, context=context)
        if context.written_lsn is not None:
            response.headers[read_routing.HEADER] = format_lsn(context.written_lsn)
        response.status_code = getattr(request.state, "graphql_status", response.status_code)
        if facts.retry_after is not None:
            response.status_code = 429
            response.headers["Retry-After"] = str(max(1, math.ceil(facts.retry_after)))
        elif response.status_code == 503:
            response.headers.update(unavailable.retry_headers())
            await unavailable.recover(*unavailable.pools_of(self.resources))
        return response

    def decode_json(self, data: str | bytes) -> object:
        try:
            value = json.loads(data)
        except (ValueError, RecursionError):
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        if not isinstance(value, dict):
            raise HTTPException(400, "the request must be a JSON object")
        check_strings(value)
        return value

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response: dict[str, Any] = {}
        if result.errors and result.data is None and all(map(is_request_error, result.errors)):
            request.state.graphql_status = 400
        else:
            response["data"] = result.data
        if any(map(errors.unavailable, result.errors or [])):
            request.state.graphql_status = 503
        if result.errors:
            request_id = request_id_of(request.scope)
            response["errors"] = [format_error(error, request_id) for error in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        return response  # type: ignore[return-value]
