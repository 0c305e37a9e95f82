"""The database goes away while a gateway is posting: the gateway gets 503 (so it keeps
the message and retries), never a 500, and once PostgreSQL is back the message arrives
exactly once.

Runs a private PostgreSQL cluster (initdb in a temporary directory, its own port) so the
machine's server is never stopped, and the app under gunicorn, as in production.
"""

from __future__ import annotations

import base64
import contextlib
import glob
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from responsemap.intake.channels.webhook.adapter import SIGNATURE_HEADER, sign

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
SECRET = "relay-secret"
START_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_postgres(*args: str) -> list[str]:
    """Commands run as the postgres user: the server refuses to run as root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return list(args)


class Cluster:
    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.bin = Path(PG_BIN[-1])

    def ctl(self, *args: str) -> None:
        subprocess.run(
            as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), *args),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self.ctl("-w", "-l", str(self.directory / "log"), "-o", options, "start")

    def stop(self) -> None:
        self.ctl("-w", "-m", "fast", "stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not PG_BIN or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("PostgreSQL server binaries are not installed")
    # Not under pytest's tmp_path: the postgres user must be able to reach it.
    directory = Path(tempfile.mkdtemp(prefix="responsemap-pg-"))
    directory.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    cluster = Cluster(directory, free_port())
    subprocess.run(
        as_postgres(
            str(cluster.bin / "initdb"), "-A", "trust", "-U", "postgres", str(directory / "data")
        ),
        check=True,
        capture_output=True,
    )
    cluster.start()
    yield cluster
    with contextlib.suppress(subprocess.CalledProcessError):
        cluster.stop()
    shutil.rmtree(directory, ignore_errors=True)


def app_env(tmp_path: Path, port: int) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("RESPONSEMAP_", "DJANGO_"))}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "responsemap.settings",
        "RESPONSEMAP_ENV": "test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/postgres",
        "RESPONSEMAP_VAR_DIR": str(tmp_path / "var"),
        "RESPONSEMAP_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


SETUP = """
from responsemap.projects.actions import do_create_project
from responsemap.projects.models import Organisation
from responsemap.intake.channels.actions import do_create_channel
org = Organisation.objects.create(name="Fault test (invented)", slug="fault")
project = do_create_project(organisation=org, name="Fault", slug="fault", country="HT",
    languages=["fr"], purpose="fault test", status="active")
channel = do_create_channel(project_id=project.pk, kind="webhook", name="relay",
    secrets={"secret": %r})
print(channel.pk)
"""

COUNT = """
from responsemap.intake.models import InboundMessage
from responsemap.triage.models import Feedback
print(InboundMessage.objects.count(), Feedback.objects.count())
"""


def post(url: str, message_id: str) -> requests.Response:
    body = json.dumps({"id": message_id, "from": "+50937001122", "text": "Dlo a koupe"}).encode()
    return requests.post(
        url,
        data=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(SECRET, body)},
        timeout=15,
    )


def test_database_outage_gives_503_and_loses_nothing(cluster: Cluster, tmp_path: Path) -> None:
    env = app_env(tmp_path, cluster.port)
    manage(env, "migrate", "--noinput")
    channel_id = manage(env, "shell", "-c", SETUP % SECRET).strip().splitlines()[-1]
    web_port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "responsemap.wsgi", "-b", f"127.0.0.1:{web_port}",
         "-w", "2", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{web_port}/channels/{channel_id}/receive"
    try:
        # Waiting on real processes: a generous deadline, so a loaded machine is only slower.
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{web_port}/healthz", timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            pytest.fail(f"gunicorn did not start within {START_SECONDS} s")
        assert post(url, "before-outage").status_code == 200

        cluster.stop()
        during = post(url, "during-outage")
        assert during.status_code == 503
        assert during.headers["Retry-After"]
        assert during.json()["error"]

        cluster.start()  # pg_ctl -w: accepting connections when it returns
        # Every web worker reconnects on its next request (CONN_HEALTH_CHECKS), whichever
        # worker gets it: the gateway's retry is stored at once, and a retry too many is a
        # no-op, never a 503 from a worker still holding a dead connection.
        statuses = [post(url, "during-outage").status_code for _ in range(4)]
        assert statuses == [200] * 4
    finally:
        web.terminate()
        web.wait(timeout=START_SECONDS)
    assert manage(env, "shell", "-c", COUNT).strip().splitlines()[-1].split() == ["2", "2"]
