"""README "Deployment" and "Emulator" sections work as written: the systemd unit verifies, the nginx site passes
`nginx -t`, the .env files load and agree with the nginx site, `vneid-bot run` answers through the standalone
emulator, and a PostgreSQL URL without the driver says how to install it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from tests.helpers.world import free_port

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _env_file(name: str, **fill: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return {**values, **fill}


def _init_values(name: str, **fill: str) -> dict[str, Any]:
    """Settings' keyword arguments from an .env file (strings: pydantic parses them), no .env read besides."""
    return {"_env_file": None, **{k.lower(): v for k, v in _env_file(name, **fill).items()}}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    exe = shutil.which("vneid-bot") or str(Path(sys.executable).with_name("vneid-bot"))
    unit = (DEPLOY / "vneid-bot.service").read_text()
    assert "ExecStart=/opt/vneid-bot/.venv/bin/vneid-bot run" in unit
    (tmp_path / "vneid-bot.service").write_text(unit.replace("/opt/vneid-bot/.venv/bin/vneid-bot", exe))
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "vneid-bot.service")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "vneid-bot.service" not in done.stderr, done.stderr
    dropin = (DEPLOY / "vneid-bot.service.d" / "postgresql.conf").read_text()
    assert "After=postgresql.service" in dropin


@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                    reason="nginx or openssl is not installed")
def test_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=bot.example.vn", "-keyout", str(tmp_path / "privkey.pem"),
                    "-out", str(tmp_path / "fullchain.pem")], check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx-vneid-bot.conf").read_text().replace("/etc/letsencrypt/live/bot.example.vn", str(tmp_path))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n")
    done = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "test is successful" in done.stderr, done.stderr


def test_env_files_load_and_match_the_nginx_site() -> None:
    commune = Settings(**_init_values("commune.env", TELEGRAM_BOT_TOKEN="123456:TEST", ADMIN_IDS="1000"))
    assert commune.database_url == "sqlite:////var/lib/vneid-bot/vneid-bot.db" and not commune.webhook_url
    assert "StateDirectory=vneid-bot" in (DEPLOY / "vneid-bot.service").read_text()
    province = Settings(**_init_values("province.env", TELEGRAM_BOT_TOKEN="123456:TEST", ADMIN_IDS="1000",
                                       WEBHOOK_SECRET="s3cret-Token_1"))
    assert province.database_url.startswith("postgresql+psycopg://") and province.webhook_listen == "127.0.0.1"
    site = (DEPLOY / "nginx-vneid-bot.conf").read_text()
    assert f"proxy_pass http://127.0.0.1:{province.webhook_port}/telegram;" in site
    assert f"proxy_pass http://127.0.0.1:{province.zalo_web_port};" in site
    assert "server_name " + (province.webhook_url or "").removeprefix("https://") in site


def test_postgres_url_without_the_driver_says_how_to_install_it(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['psycopg'] = None; sys.modules['psycopg2'] = None\n"
            "from bot.cli import main; sys.exit(main(['db', 'upgrade']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
                               "DATABASE_URL": "postgresql+psycopg://vneid@127.0.0.1:5432/vneid"})
    assert done.returncode == 2
    assert "pip install 'vneid-bot[postgres]'" in done.stderr and "No module named" not in done.stderr
    assert "halted" not in done.stderr and "Traceback" not in done.stderr, done.stderr


@pytest.mark.e2e
def test_vneid_bot_run_against_the_standalone_emulator(tmp_path: Path) -> None:
    """README: `python -m bot.emulator --port P` in one terminal, `vneid-bot run` pointed at it in another."""
    port = free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "emulator.log").open("w")
    emu = subprocess.Popen([sys.executable, "-m", "bot.emulator", "--port", str(port), "--log-level", "WARNING"],
                           cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    bot = None
    try:
        for _ in range(600):  # the banner names the settings to give `vneid-bot run`
            if "TELEGRAM_BOT_TOKEN=" in (tmp_path / "emulator.log").read_text():
                break
            time.sleep(0.1)
        banner = (tmp_path / "emulator.log").read_text()
        assert f"TELEGRAM_API_BASE_URL=http://127.0.0.1:{port}/bot" in banner, banner
        bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               env={**env, "TELEGRAM_BOT_TOKEN": "123456:TEST", "ADMIN_IDS": "1000",
                                    "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
                                    "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})
        control = f"http://127.0.0.1:{port}/control"
        httpx.post(f"{control}/message", json={"chat_id": 1000, "user": {"id": 1000, "first_name": "Lan"},
                                               "text": "/help"}, timeout=30).raise_for_status()
        answer = httpx.get(f"{control}/wait", params={"chat_id": 1000, "after_id": 1, "count": 1, "timeout": 90},
                           timeout=120).json()["result"]
        assert answer and re.search(r"Hướng dẫn|/dangky", answer[0]["text"]), answer
    finally:
        for proc in (bot, emu):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        log.close()
