"""The model, reached through the `openai` async client at any OpenAI-compatible endpoint.

Every failure becomes a `ModelUnavailable` carrying the reason the heuristic then gives. The client honours
`Retry-After` on 429 and retries 5xx itself (`ai_max_retries`), within `ai_timeout_seconds` per attempt.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openai
from openai import AsyncOpenAI

from base.settings import Settings
from db.models import AiReason


class ModelUnavailable(Exception):
    def __init__(self, reason: AiReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Reply:
    content: str
    tokens_in: int
    tokens_out: int
    latency_ms: int


@dataclass(frozen=True, slots=True)
class Prices:
    per_million_in: Decimal
    per_million_out: Decimal

    def cost(self, tokens_in: int, tokens_out: int) -> Decimal:
        total = self.per_million_in * tokens_in + self.per_million_out * tokens_out
        return (total / Decimal(1_000_000)).quantize(Decimal("0.000001"))


class ModelClient:
    def __init__(self, settings: Settings) -> None:
        assert settings.ai_api_key is not None
        self.model = settings.ai_model
        self.max_output_tokens = settings.ai_max_output_tokens
        price_in, price_out = settings.ai_prices_per_million.get(settings.ai_model, (0.0, 0.0))
        self.prices = Prices(Decimal(str(price_in)), Decimal(str(price_out)))
        self._client = AsyncOpenAI(
            base_url=settings.ai_base_url,
            api_key=settings.ai_api_key.get_secret_value(),
            timeout=settings.ai_timeout_seconds,
            max_retries=settings.ai_max_retries,
        )

    async def complete_json(self, messages: list[dict[str, str]], response_format: dict[str, Any]) -> Reply:
        started = time.perf_counter()
        try:
            response = await self._client.chat.completions.create(  # type: ignore[call-overload]
                model=self.model,
                messages=messages,
                response_format=response_format,
                max_tokens=self.max_output_tokens,
                temperature=0,
            )
        except openai.APITimeoutError as error:
            raise ModelUnavailable(AiReason.TIMEOUT, type(error).__name__) from error
        except openai.OpenAIError as error:
            raise ModelUnavailable(AiReason.MODEL_ERROR, type(error).__name__) from error
        usage = response.usage
        content = response.choices[0].message.content if response.choices else None
        return Reply(
            content=content or "",
            tokens_in=usage.prompt_tokens if usage else 0,
            tokens_out=usage.completion_tokens if usage else 0,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )

    async def stream(self, messages: list[dict[str, str]]) -> AsyncIterator[str | Reply]:
        """The answer's text piece by piece, then a `Reply` with the usage the last chunk carries."""
        started = time.perf_counter()
        pieces: list[str] = []
        tokens_in = tokens_out = 0
        try:
            chunks = await self._client.chat.completions.create(  # type: ignore[call-overload]
                model=self.model,
                messages=messages,
                max_tokens=self.max_output_tokens,
                stream=True,
                stream_options={"include_usage": True},
            )
            async for chunk in chunks:
                if chunk.usage is not None:
                    tokens_in, tokens_out = chunk.usage.prompt_tokens, chunk.usage.completion_tokens
                for choice in chunk.choices:
                    if choice.delta.content:
                        pieces.append(choice.delta.content)
                        yield choice.delta.content
        except openai.APITimeoutError as error:
            raise ModelUnavailable(AiReason.TIMEOUT, type(error).__name__) from error
        except openai.OpenAIError as error:
            raise ModelUnavailable(AiReason.MODEL_ERROR, type(error).__name__) from error
        latency = round((time.perf_counter() - started) * 1000)
        yield Reply(content="".join(pieces), tokens_in=tokens_in, tokens_out=tokens_out, latency_ms=latency)


def model_client(settings: Settings) -> ModelClient | None:
    """The client, or None when no API key is configured (heuristic mode)."""
    return None if settings.ai_api_key is None else ModelClient(settings)
