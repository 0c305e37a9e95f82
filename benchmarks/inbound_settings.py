"""Settings for ``bench_inbound``: the application's, plus the reference endpoints to
compare with (``benchmarks.inbound_urls``), the floor one served lean as webhooks are.
"""

from benchmarks._inbound_procs import FLOOR_PATH
from responsemap.settings import *  # noqa: F403
from responsemap.settings import LEAN_PATHS

ROOT_URLCONF = "benchmarks.inbound_urls"
LEAN_PATHS = (*LEAN_PATHS, FLOOR_PATH)
