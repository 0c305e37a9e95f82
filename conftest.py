# Fixtures (projects, personas, clients) live in responsemap/testing.py; the database
# roles of CI's PostgreSQL leg in responsemap/testing_db.py.
from hypothesis import HealthCheck, settings

pytest_plugins = ["responsemap.testing", "responsemap.testing_db"]

# No property-based test may fail because the machine is slow (CI runs beside other
# jobs): no per-example deadline and no "too slow" health check, for every test.
settings.register_profile(
    "responsemap", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("responsemap")
