"""Nothing secret of a sign-in reaches the logs, at DEBUG: not the client secrets, the codes, the states, the
PKCE verifiers, the ID tokens, the password given to link, nor the tokens Rhythm issues."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient

from app.main import create_app
from base.logs import configure_logging
from base.settings import Settings
from tests.factories import PASSWORD, sign_up
from tests.graphql import GraphQL
from tests.sign_in.conftest import GOOGLE_SECRET, MICROSOFT_SECRET, complete, consent, start
from tests.sign_in.fake_oidc import Account, FakeOpenIdProvider


@pytest.fixture
def debug_settings(sign_in_settings: Settings) -> Iterator[Settings]:
    yield sign_in_settings.model_copy(update={"log_level": "DEBUG"})
    configure_logging(sign_in_settings.log_level, json=sign_in_settings.log_json)


async def test_the_secrets_of_a_sign_in_are_never_logged(
    debug_settings: Settings,
    google_idp: FakeOpenIdProvider,
    microsoft_idp: FakeOpenIdProvider,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with AsyncTestClient(app=create_app(debug_settings), base_url="http://rhythm.test") as client:
        api = GraphQL(client)
        ada = await sign_up(api, name="Ada Logs")
        google_idp.account = Account(subject=f"sub-{uuid.uuid4().hex}", email=ada.email)
        linked_with_password = await consent(await start(api, "GOOGLE"))
        signed_in = await complete(api, "GOOGLE", linked_with_password, password=PASSWORD)
        microsoft_idp.account = Account(subject=f"sub-{uuid.uuid4().hex}", email=f"m-{uuid.uuid4().hex}@p.test")
        microsoft_idp.switches.audience = "another-app"
        refused = await consent(await start(api, "MICROSOFT"))
        await complete(api, "MICROSOFT", refused)

    output = capsys.readouterr().out
    secrets = {
        "google client secret": GOOGLE_SECRET,
        "microsoft client secret": MICROSOFT_SECRET,
        "code": linked_with_password.code,
        "refused code": refused.code,
        "state": linked_with_password.state,
        "refused state": refused.state,
        "access token": signed_in["accessToken"],
        "refresh token": signed_in["refreshToken"],
        "password": PASSWORD,
        **{f"verifier {n}": r["code_verifier"] for n, r in enumerate(google_idp.token_requests[-1:])},
        **{f"id token {n}": token for n, token in enumerate(google_idp.issued_id_tokens[-1:])},
        **{f"ms id token {n}": token for n, token in enumerate(microsoft_idp.issued_id_tokens[-1:])},
    }
    assert signed_in["__typename"] == "AuthPayload"
    assert '"event"' in output, "the app logged nothing: the check would prove nothing"
    assert [name for name, secret in secrets.items() if secret in output] == []
