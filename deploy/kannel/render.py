#!/usr/bin/env python3
"""Fill in kannel.conf.template and write a kannel.conf.

    python3 deploy/kannel/render.py -o kannel.conf --secrets-file /root/kannel.secrets

The secrets come from a file (``--secrets-file``) or standard input, never the command
line (where ``ps`` and shell history would keep them), as ``name=value`` lines:
``post-url`` — the sms-service URL ``manage.py channel_info <id>`` prints, with the
channel's secret in place of ``<SECRET>`` —, ``sendsms-password`` and, optionally,
``admin-password`` (default: a new random one). Standard library only, so it runs on the
gateway host without the application installed. Values are checked before they are
written: a quote or a newline would end a Kannel value and start a directive of its own.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
PLAIN = re.compile(r"[A-Za-z0-9._~+-]+")  # user names and passwords
ADDRESS = re.compile(r"[0-9A-Fa-f.:*;/]+")  # Kannel IP lists


def _plain(value: str, what: str) -> str:
    if not PLAIN.fullmatch(value):
        raise SystemExit(f"{what} may only use letters, digits and ._~+-")
    return value


def _post_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SystemExit("post-url must be an http(s) URL")
    if "<" in value or ">" in value:
        raise SystemExit("post-url still has a <placeholder>: put the channel's secret in")
    if any(char in value for char in "\"'\\ \n\r\t"):
        raise SystemExit("post-url may not contain quotes, backslashes or spaces")
    if "%I" not in value:
        raise SystemExit("post-url must carry id=%I (the message id Kannel keeps on retries)")
    return value


def _directory(value: str) -> str:
    if any(char in value for char in '"\n\r'):
        raise SystemExit("directories may not contain quotes or newlines")
    return str(Path(value).resolve())


SECRETS = ("post-url", "sendsms-password", "admin-password")


def read_secrets(text: str) -> dict[str, str]:
    """``name=value`` lines (blank lines and ``#`` comments skipped); a line is named by
    its number in an error, never shown."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or name.strip() not in SECRETS:
            raise SystemExit(f"secrets line {number}: expected {', '.join(SECRETS)} = value")
        values[name.strip()] = value.strip()
    for name in SECRETS[:2]:
        if not values.get(name):
            raise SystemExit(f"the secrets give no {name}")
    return values


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--secrets-file", type=Path, help="name=value lines; default: standard input"
    )
    for name in SECRETS:  # refused with a reason below, not "unrecognized arguments"
        parser.add_argument(f"--{name}", nargs="?", const="", help=argparse.SUPPRESS)
    parser.add_argument("--sendsms-username", default="responsemap")
    parser.add_argument("--sendsms-allow-ip", default="127.0.0.1", help="Response Map workers")
    parser.add_argument("--admin-port", type=int, default=13000)
    parser.add_argument("--smsbox-port", type=int, default=13001)
    parser.add_argument("--smsc-port", type=int, default=10000, help="the fake SMSC's port")
    parser.add_argument("--sendsms-port", type=int, default=13013)
    parser.add_argument("--http-request-retry", type=int, default=360)
    parser.add_argument("--http-queue-delay", type=int, default=10)
    parser.add_argument(
        "--log-level",
        type=int,
        default=2,
        choices=range(2, 5),
        help="bearerbox's (2 warning, 3 error, 4 panic; 0 and 1 log texts and numbers)",
    )
    parser.add_argument("--log-dir", default="/var/log/kannel")
    parser.add_argument("--spool-dir", default="/var/spool/kannel")
    parser.add_argument("--create-dirs", action="store_true", help="mkdir the log/spool dirs")
    parser.add_argument("--template", type=Path, default=HERE / "kannel.conf.template")
    parser.add_argument("-o", "--output", type=Path, required=True)
    return parser.parse_args(argv)


def render(args: argparse.Namespace, secret: dict[str, str]) -> str:
    if not ADDRESS.fullmatch(args.sendsms_allow_ip):
        raise SystemExit("--sendsms-allow-ip is a Kannel IP list, e.g. 127.0.0.1;10.0.0.*")
    values = {
        "POST_URL": _post_url(secret["post-url"]),
        "SENDSMS_USERNAME": _plain(args.sendsms_username, "--sendsms-username"),
        "SENDSMS_PASSWORD": _plain(secret["sendsms-password"], "sendsms-password"),
        "SENDSMS_ALLOW_IP": args.sendsms_allow_ip,
        "ADMIN_PASSWORD": _plain(
            secret.get("admin-password") or secrets.token_urlsafe(24), "admin-password"
        ),
        "ADMIN_PORT": args.admin_port,
        "SMSBOX_PORT": args.smsbox_port,
        "SMSC_PORT": args.smsc_port,
        "SENDSMS_PORT": args.sendsms_port,
        "HTTP_REQUEST_RETRY": args.http_request_retry,
        "HTTP_QUEUE_DELAY": args.http_queue_delay,
        "LOG_LEVEL": args.log_level,
        "LOG_DIR": _directory(args.log_dir),
        "SPOOL_DIR": _directory(args.spool_dir),
    }
    # substitute(), not safe_substitute(): a placeholder left unfilled is an error.
    return Template(args.template.read_text(encoding="utf-8")).substitute(values)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    for name in SECRETS:
        if getattr(args, name.replace("-", "_")) is not None:
            raise SystemExit(
                f"--{name} is a secret: give it in --secrets-file or on standard input "
                "as a name=value line, never on the command line"
            )
    given = args.secrets_file.read_text(encoding="utf-8") if args.secrets_file else sys.stdin.read()
    text = render(args, read_secrets(given))
    if args.create_dirs:
        for directory in (
            Path(args.log_dir),
            Path(args.spool_dir) / "store",
            Path(args.spool_dir) / "dlr",
        ):
            directory.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    args.output.chmod(0o640)  # it holds the sendsms and admin passwords
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
