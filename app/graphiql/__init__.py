"""GraphiQL served by Rhythm itself: the page and its pinned React, GraphiQL and explorer-plugin bundles come from
this folder (see README.md here), never from a CDN, so the IDE works offline and under a strict
Content-Security-Policy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from litestar import Response, Router
from litestar.datastructures import CacheControlHeader
from litestar.enums import MediaType
from litestar.static_files import create_static_files_router

FOLDER = Path(__file__).parent
ASSETS_PATH = "/graphiql/static"

# Everything the page loads is Rhythm's own; the editors set inline styles, and the favicon is a data URL.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@cache
def _page() -> str:
    return (FOLDER / "index.html").read_text(encoding="utf-8")


def graphiql_page() -> Response[str]:
    return Response(
        _page(),
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff"},
    )


def graphiql_assets() -> Router:
    # The bundles change only with a version bump (fetch_assets.sh); an hour of caching spares reloads.
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[FOLDER / "static"],
        name="graphiql-assets",
        cache_control=CacheControlHeader(max_age=3600),
    )
