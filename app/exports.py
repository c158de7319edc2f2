"""The download of a data export: `GET /account/exports/{id}?token=...`, the signed link from the person's
notification. The link is the credential (a browser opens it without an access token): the download runs as the
person it names, and works once."""

from __future__ import annotations

import uuid
from typing import Annotated

import structlog
from litestar import Response, get
from litestar.datastructures import State
from litestar.params import PathParameter, QueryParameter

from db.tenant import Caller, tenant_session
from domain.accounts.exports import take_download
from domain.accounts.links import ExportLinks, LinkExpired
from domain.errors import AuthenticationFailed, NotFound

log = structlog.get_logger("rhythm.accounts")
NO_STORE = {"Cache-Control": "no-store"}


def _refusal(status: int, text: str) -> Response[bytes]:
    return Response(text.encode(), status_code=status, media_type="text/plain", headers=NO_STORE)


@get("/account/exports/{export_id:uuid}", include_in_schema=False)
async def download_export(
    state: State,
    export_id: Annotated[uuid.UUID, PathParameter()],
    token: Annotated[str, QueryParameter(name="token")] = "",
) -> Response[bytes]:
    links: ExportLinks = state.export_links
    try:
        user_id = links.verify(export_id, token)
        async with tenant_session(state.export_sessions, Caller(user_id=user_id)) as session:
            archive = await take_download(session, export_id)
    except LinkExpired as expired:
        return _refusal(410, expired.message)
    except AuthenticationFailed as refused:
        return _refusal(403, refused.message)
    except NotFound as gone:
        return _refusal(410, gone.message)
    log.info("data_export_downloaded", export_id=str(export_id), size_bytes=len(archive))
    return Response(
        archive,
        media_type="application/gzip",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="rhythm-export-{export_id}.json.gz"'},
    )
