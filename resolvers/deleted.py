from __future__ import annotations

import strawberry
from strawberry import relay


@strawberry.type(description="An object was deleted.")
class Deleted:
    id: relay.GlobalID = strawberry.field(description="The id the object had.")
