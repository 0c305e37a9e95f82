from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "responsemap.settings")

from responsemap.lib.handlers import application as build_application  # noqa: E402

application = build_application()
