# Fixtures (projects, personas, clients) live in responsemap/testing.py.
pytest_plugins = ["responsemap.testing"]
