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


def render(tmp_path: Path, *extra: str, given: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, str(RENDER),
            "--log-dir", str(tmp_path / "log"), "--spool-dir", str(tmp_path / "spool"),
            "-o", str(tmp_path / "kannel.conf"), *extra,
        ],
        input=given,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def lines(**secrets: str) -> str:
    return "".join(f"{name.replace('_', '-')}={value}\n" for name, value in secrets.items())


def test_renders_a_complete_private_file(tmp_path: Path) -> None:
    result = render(
        tmp_path, "--create-dirs", given=lines(post_url=POST_URL, sendsms_password="-pw-123")
    )
    assert result.returncode == 0, result.stderr
    config = (tmp_path / "kannel.conf").read_text()
    assert "$" not in config
    assert f'post-url = "{POST_URL}"' in config
    assert "password = -pw-123" in config  # a leading dash is a value, not an option
    assert "max-messages = 0" in config
    assert "mo-recode = true" in config
    assert "http-request-retry = 360" in config
    assert stat.S_IMODE((tmp_path / "kannel.conf").stat().st_mode) == 0o640
    assert (tmp_path / "spool" / "store").is_dir()
    assert (tmp_path / "spool" / "dlr").is_dir()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("post_url", POST_URL.replace("s3cret-s3cret-s3cret", "<SECRET>")),
        ("post_url", POST_URL.replace("id=%I&", "")),
        ("post_url", POST_URL + '"\ngroup = sendsms-user'),
        ("post_url", "ftp://example.org/x?id=%I"),
        ("sendsms_password", 'pw"\nusername = evil'),
        ("sendsms_password", ""),
    ],
)
def test_refuses_values_that_would_break_the_file(tmp_path: Path, option: str, value: str) -> None:
    given = {"post_url": POST_URL, "sendsms_password": "pw-123", option: value}
    result = render(tmp_path, given=lines(**given))
    assert result.returncode != 0
    assert not (tmp_path / "kannel.conf").exists()


def test_refuses_an_allow_list_that_would_break_the_file(tmp_path: Path) -> None:
    given = lines(post_url=POST_URL, sendsms_password="pw-123")
    result = render(tmp_path, "--sendsms-allow-ip", '*.*.*.*"; x', given=given)
    assert result.returncode != 0
    assert not (tmp_path / "kannel.conf").exists()


@pytest.mark.parametrize("option", ["--post-url", "--sendsms-password", "--admin-password"])
def test_a_secret_on_the_command_line_is_refused(tmp_path: Path, option: str) -> None:
    result = render(tmp_path, option, "s3cret", given=lines(post_url=POST_URL))
    assert result.returncode != 0
    assert "never on the command line" in result.stderr
    assert not (tmp_path / "kannel.conf").exists()


def test_secrets_are_read_from_a_file_and_a_bad_line_is_named_not_shown(tmp_path: Path) -> None:
    secrets_file = tmp_path / "kannel.secrets"
    secrets_file.write_text("# for the gateway\n" + lines(post_url=POST_URL, sendsms_password="pw"))
    assert render(tmp_path, "--secrets-file", str(secrets_file)).returncode == 0
    result = render(tmp_path, given="post-url=" + POST_URL + "\npasswd s3cret-value\n")
    assert result.returncode != 0
    assert "line 2" in result.stderr
    assert "s3cret-value" not in result.stderr
