"""What the HTTP adapters (``OpenAICompatibleLLM``, ``AnthropicLLM``) share: naming the endpoint,
the streaming transport with its retries, and closing it. Each adapter adds its wire format."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from aicoach.llm._http import StreamingTransport


class HTTPChatAdapter:
    """Base of the HTTP ``LLM`` adapters.

    A subclass sets ``name`` (the port's provider key), ``vendor`` and ``official_host`` (the
    vendor's own API host) and adds its auth headers in ``_vendor_headers``. A ``base_url`` on any
    other host (a proxy, a local server) is named by that host in labels and error messages, so
    the trader is never told that OpenAI failed when it was their own Ollama.

    ``timeout`` is the longest silence accepted, in seconds; ``max_retries`` counts re-tries
    before the stream starts (see ``_http``). Pass ``http`` to share the app's client.
    """

    name: str
    vendor: ClassVar[str]
    official_host: ClassVar[str]

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        *,
        timeout: float = 60.0,
        max_retries: int = 2,
        http: httpx.AsyncClient | None = None,
        label: str | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        host = urlsplit(self.base_url).netloc or self.base_url
        self.is_official = host == self.official_host
        default_label = f"{self.vendor} · {model}" if self.is_official else f"{model} · {host}"
        self.label = label or default_label
        self._headers = {
            "Accept": "text/event-stream",
            "User-Agent": "aicoach (+llm adapter)",
            **self._vendor_headers(api_key),
        }
        self._transport = StreamingTransport(
            provider=self.vendor if self.is_official else host,
            secret=api_key,
            http=http,
            timeout=timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
        )

    def _vendor_headers(self, api_key: str | None) -> dict[str, str]:
        """The vendor's own request headers, with the key when one is given."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, model={self.model!r})"

    async def aclose(self) -> None:
        await self._transport.aclose()
