from __future__ import annotations

from responsemap.analytics.public.tests.conftest import _empty_cache, viewer_of  # noqa: F401
