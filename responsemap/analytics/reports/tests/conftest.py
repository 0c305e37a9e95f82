from __future__ import annotations

from responsemap.analytics.tests.conftest import viewer_of  # noqa: F401
from responsemap.triage.referrals.tests.conftest import (  # noqa: F401
    agreement,
    make_agreement,
    make_ready,
    partner,
    viewers,
)
