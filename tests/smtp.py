"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepted."""

from __future__ import annotations

import asyncio
import threading
import time
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler: stores accepted messages; can be told to hang in DATA."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.hang = False
        self.entered_data = threading.Event()
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.entered_data.set()
        while self.hang:
            await asyncio.sleep(0.05)
            if getattr(session, "transport", None) is not None and session.transport.is_closing():
                return "451 Client went away"
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def reminder_ids(self) -> list[str]:
        with self._lock:
            return [str(m["X-Advocate-Reminder"]) for m in self.messages]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Message]:
        """Wait (for the worker, not for a time) until ``count`` messages arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} emails, got {len(self.messages)}")


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
