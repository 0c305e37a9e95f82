"""deploy/kannel/render.py: every placeholder filled, nothing that could break out of a
Kannel value. Needs no Kannel."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kannel.gateway import RENDER

POST_URL = "https://kannel:s3cret-s3cret-s3cret@rm.example.org/channels/abc/receive?id=%I&ts=%T"


def render(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, str(RENDER),
            "--log-dir", str(tmp_path / "log"), "--spool-dir", str(tmp_path / "spool"),
            "-o", str(tmp_path / "kannel.conf"), *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def test_renders_a_complete_private_file(tmp_path: Path) -> None:
    result = render(
        tmp_path, "--post-url", POST_URL, "--sendsms-password", "pw-123", "--create-dirs"
    )
    assert result.returncode == 0, result.stderr
    config = (tmp_path / "kannel.conf").read_text()
    assert "$" not in config
    assert f'post-url = "{POST_URL}"' in config
    assert "password = pw-123" in config
    assert "max-messages = 0" in config
    assert "mo-recode = true" in config
    assert "http-request-retry = 360" in config
    assert stat.S_IMODE((tmp_path / "kannel.conf").stat().st_mode) == 0o640
    assert (tmp_path / "spool" / "store").is_dir()
    assert (tmp_path / "spool" / "dlr").is_dir()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--post-url", POST_URL.replace("s3cret-s3cret-s3cret", "<SECRET>")),
        ("--post-url", POST_URL.replace("id=%I&", "")),
        ("--post-url", POST_URL + '"\ngroup = sendsms-user'),
        ("--post-url", "ftp://example.org/x?id=%I"),
        ("--sendsms-password", 'pw"\nusername = evil'),
        ("--sendsms-allow-ip", '*.*.*.*"; x'),
    ],
)
def test_refuses_values_that_would_break_the_file(tmp_path: Path, option: str, value: str) -> None:
    args = {"--post-url": POST_URL, "--sendsms-password": "pw-123", option: value}
    result = render(tmp_path, *[item for pair in args.items() for item in pair])
    assert result.returncode != 0
    assert not (tmp_path / "kannel.conf").exists()
