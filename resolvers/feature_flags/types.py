"""Feature flags as a company's owners and platform administrators see them."""

from __future__ import annotations

import strawberry

from domain.feature_flags import FlagState


@strawberry.type(description="A feature flag and its value in one company.")
class CompanyFeatureFlag:
    name: str = strawberry.field(description="The flag's name (lowercase, with underscores).")
    description: str = strawberry.field(description="What the flag turns on.")
    enabled: bool = strawberry.field(description="Whether it is on in this company: its override, else the default.")
    default_enabled: bool = strawberry.field(description="The global default, set by platform administrators.")
    override: bool | None = strawberry.field(
        description="This company's own setting; null when the company follows the default."
    )

    @classmethod
    def of(cls, state: FlagState) -> CompanyFeatureFlag:
        return cls(
            name=state.name,
            description=state.description,
            enabled=state.enabled,
            default_enabled=state.default,
            override=state.override,
        )


@strawberry.type(description="A feature flag's global default.")
class FeatureFlag:
    name: str = strawberry.field(description="The flag's name.")
    description: str = strawberry.field(description="What the flag turns on.")
    enabled: bool = strawberry.field(description="The default for every company without an override.")
