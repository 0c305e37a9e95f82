"""Settings for ``bench_inbound``: the application's, plus a bare endpoint to compare with.

The bare endpoint lives in ``benchmarks.inbound_urls``, never in the application's URLs.
"""

from responsemap.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.inbound_urls"
