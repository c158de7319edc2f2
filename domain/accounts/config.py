"""What the account features need from the settings, built once per process (the API and the workers alike)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from base.settings import Settings
from domain.accounts.consents import CurrentDocuments
from domain.accounts.links import ExportLinks, download_path


@dataclass(frozen=True, slots=True)
class AccountConfig:
    documents: CurrentDocuments
    links: ExportLinks
    public_base_url: str
    export_ttl: timedelta

    def download_url(self, export_id: uuid.UUID, user_id: uuid.UUID, expires_at: datetime) -> str:
        token = self.links.token(export_id, user_id, expires_at)
        return f"{self.public_base_url.rstrip('/')}{download_path(export_id)}?token={token}"


def account_config_of(settings: Settings) -> AccountConfig:
    return AccountConfig(
        documents=CurrentDocuments(terms_version=settings.terms_version, privacy_version=settings.privacy_version),
        links=ExportLinks(settings.resolved_jwt_secret()),
        public_base_url=settings.public_base_url,
        export_ttl=timedelta(hours=settings.data_export_ttl_hours),
    )
