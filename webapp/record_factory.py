"""Adding a step to every log record as it is created, once per process per step."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

_lock = threading.Lock()
_installed: set[str] = set()


def extend(name: str, step: Callable[[logging.LogRecord], None]) -> None:
    """Run step on every new log record from now on; a second call with name does nothing
    (apps are created many times in one process, the factory must wrap once)."""
    with _lock:
        if name in _installed:
            return
        _installed.add(name)
    create = logging.getLogRecordFactory()

    def with_step(*args, **kwargs) -> logging.LogRecord:
        record = create(*args, **kwargs)
        step(record)
        return record

    logging.setLogRecordFactory(with_step)
