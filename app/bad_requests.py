"""Requests that are not GraphQL at all (a body that is no JSON, no query, a query that is no string, a wrong content
type) answered in the GraphQL-over-HTTP error shape with a code and the request id, instead of Strawberry's plain
text, so a GraphQL client can show them like any other error."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from litestar import Request, Response

from app.request_id import request_id_of

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"

_CODES = {405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


def accepts_graphql_response(request: Request[Any, Any, Any]) -> bool:
    return GRAPHQL_RESPONSE_JSON in request.headers.get("accept", "")


def bad_request(request: Request[Any, Any, Any], error: HTTPException) -> Response[dict[str, Any]]:
    status = 415 if error.reason == "Unsupported content type" else error.status_code
    body = {
        "errors": [
            {
                "message": error.reason,
                "extensions": {
                    "code": _CODES.get(status, "BAD_REQUEST"),
                    "requestId": request_id_of(request.scope),
                },
            }
        ]
    }
    media_type = GRAPHQL_RESPONSE_JSON if accepts_graphql_response(request) else "application/json"
    return Response(body, status_code=status, media_type=media_type)


def require_operation_object(data: object) -> object:
    # A JSON body that is a string or a number is not an operation; Strawberry would fail on it with a 500.
    if not isinstance(data, dict | list):
        raise HTTPException(400, "The request body must be a JSON object with a `query`.")
    return data
