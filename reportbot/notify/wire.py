"""Know the moment a Bot API request leaves the process, for the exactly-once delivery ledger.

A request that reached Telegram must never be sent again; one that did not must be. The sender's hook
runs synchronously right before the write that completes the request (its body) is handed to the
kernel, with no await in between, so a SIGKILL can only fall between the two in a window of a few
microseconds. This needs two pieces: a per-request trace callback (httpcore's ``trace`` extension) that
arms the hook when the body starts, and a network stream wrapper that fires it on the body's write.
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass

import httpcore
import httpx

Hook = Callable[[], None]
_BODY_STARTED = "http11.send_request_body.started"


@dataclass
class WireState:
    """The current send's hook; ``armed`` from the body's start until its write.

    ``fired``: the body was handed to the kernel (the request may have reached the server);
    ``answered``: a complete HTTP response came back (whatever its status, the outcome is known).
    """

    hook: Hook | None = None
    armed: bool = False
    fired: bool = False
    answered: bool = False


current: ContextVar[WireState | None] = ContextVar("reportbot_wire", default=None)


async def arm_on_body(request: httpx.Request) -> None:
    """Request hook for httpx: arm the current send's hook when httpcore starts writing the body."""
    state = current.get()
    if state is None:
        return

    async def trace(event: str, info: dict[str, object]) -> None:
        if event == _BODY_STARTED:
            state.armed = True

    request.extensions = {**request.extensions, "trace": trace}


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        state = current.get()
        if buffer and state is not None and state.armed:
            state.armed = False
            state.fired = True
            if state.hook is not None:
                state.hook()  # nothing awaits between this and the kernel getting the bytes
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class WireTransport(httpx.AsyncBaseTransport):
    """httpx transport over an httpcore pool whose connections report the body write."""

    def __init__(self, max_connections: int) -> None:
        """A plain HTTP/1.1 pool (system CAs for TLS)."""
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            http1=True,
            http2=False,
            network_backend=_Backend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the pool (as httpx.AsyncHTTPTransport does, without proxies)."""
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = await self._pool.handle_async_request(core_request)
            content = await response.aread()
            state = current.get()
            if state is not None:
                state.answered = True
        except httpcore.TimeoutException as exc:
            raise httpx.TimeoutException(str(exc), request=request) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise httpx.NetworkError(str(exc), request=request) from exc
        finally:
            if "response" in locals():
                await response.aclose()
        return httpx.Response(
            status_code=response.status, headers=response.headers, content=content, extensions=response.extensions
        )

    async def aclose(self) -> None:
        """Close the pool."""
        await self._pool.aclose()
