# Fixtures (projects, personas, clients) live in responsemap/testing.py.
from hypothesis import HealthCheck, settings

pytest_plugins = ["responsemap.testing"]

# No property-based test may fail because the machine is slow (CI runs beside other
# jobs): no per-example deadline and no "too slow" health check, for every test.
settings.register_profile(
    "responsemap", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("responsemap")
