"""The fake Bot API as its own process for benchmarks: ``python -m tests.fakes.telegram_serve --port 0``."""

from __future__ import annotations

import argparse
import time

from tests.fakes.telegram_api import FakeTelegramServer


def main() -> None:
    """Serve until killed (benchmarks); prints ``READY <port>``."""
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--rate-limit", type=float, default=None, help="messages/s over all chats")
    parser.add_argument("--window-limit", type=int, default=None, help="messages per sliding 1-second window")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of sendMessage answered 500")
    parser.add_argument("--delay-every", type=int, default=0, help="answer every n-th sendMessage late")
    parser.add_argument("--delay-s", type=float, default=1.5)
    args = parser.parse_args()
    server = FakeTelegramServer(
        token=args.token,
        rate_limit=args.rate_limit,
        window_limit=args.window_limit,
        error_rate=args.error_rate,
        delay_every=args.delay_every,
        delay_s=args.delay_s,
        port=args.port,
    ).start()
    print(f"READY {server.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
