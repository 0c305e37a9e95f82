"""What ``requests`` raises when a provider can't be reached, as it really raises it:
a refused connection (nothing reached the provider) and a read timeout (the request
went out, no answer came back). See ``base.unreachable`` and ADR 0009."""

from __future__ import annotations

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError


def refused(url: str = "https://provider.invalid/send") -> requests.ConnectionError:
    cause = NewConnectionError(None, "Failed to establish a new connection: refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, url, cause))  # type: ignore[arg-type]


def no_answer() -> requests.ReadTimeout:
    return requests.ReadTimeout("Read timed out. (read timeout=10)")
