"""The deployment files (Dockerfile, compose.yaml, deploy/Caddyfile, .dockerignore) agree with
the app: Docker does not run on the test machines, so what can be checked without it is checked
here — the services and ports, the settings the app reads, the packages the exports need."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
CADDYFILE = (REPO / "deploy" / "Caddyfile").read_text(encoding="utf-8")
APPS = ("app1", "app2")


def _code() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for d in ("loaders", "ui", "pages")
                     for p in (REPO / d).rglob("*.py")) + (REPO / "dashboard.py").read_text("utf-8")


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def _apt_packages(text: str) -> set[str]:
    out = set()
    for cmd in re.findall(r"apt-get install ([^\n&|;]+)", re.sub(r"\\\n", " ", text)):
        out |= {w for w in shlex.split(cmd) if not w.startswith(("-", ">")) and "$" not in w}
    return out


def _exposed_port() -> int:
    return int(next(arg for ins, arg in _dockerfile_instructions() if ins == "EXPOSE"))


def test_compose_names_two_apps_a_database_and_a_proxy():
    services = COMPOSE["services"]
    assert set(services) == {*APPS, "db", "proxy"}
    for app in APPS:
        assert services[app]["build"] == "."
        assert services[app]["depends_on"]["db"]["condition"] == "service_healthy"
        assert "/data" in {v.split(":")[1] for v in services[app]["volumes"]}
    assert services["app1"] == services["app2"]   # the same app, twice
    assert services["db"]["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert any(p.split(":")[-1] == "80" for p in services["proxy"]["ports"])
    named = {v.split(":")[0] for s in services.values() for v in s.get("volumes", ())
             if not v.startswith(".")}
    assert named == set(COMPOSE["volumes"])


def test_the_apps_reach_the_database_service_with_its_credentials():
    env = COMPOSE["services"]["app1"]["environment"]
    db = COMPOSE["services"]["db"]["environment"]
    url = re.match(r"postgresql\+psycopg://([^:]+):(.+)@([^:/]+):(\d+)/(\w+)$",
                   env["DASHBOARD_DATABASE_URL"])
    assert url, env["DASHBOARD_DATABASE_URL"]
    user, password, host, port, database = url.groups()
    assert (user, password, database) == (db["POSTGRES_USER"], db["POSTGRES_PASSWORD"], db["POSTGRES_DB"])
    assert host in COMPOSE["services"] and port == "5432"


@pytest.mark.parametrize("name", sorted(COMPOSE["services"]["app1"]["environment"]))
def test_every_setting_given_to_the_apps_is_one_the_app_reads(name):
    if name.startswith("STREAMLIT_"):   # Streamlit's own options: server.cookieSecret etc.
        option = name.removeprefix("STREAMLIT_SERVER_").lower().replace("_", "")
        from streamlit import config
        assert any(k.lower() == f"server.{option}" for k in config.get_config_options())
    else:
        assert name in _code()


def test_accounts_come_from_a_secret_that_is_never_committed_or_built_in():
    env = COMPOSE["services"]["app1"]["environment"]
    assert env["DASHBOARD_ACCOUNTS"] == "/run/secrets/accounts"
    source = COMPOSE["secrets"]["accounts"]["file"]
    assert source.removeprefix("./") in (REPO / ".gitignore").read_text().split()
    assert source.removeprefix("./") in (REPO / ".dockerignore").read_text().split()


def test_the_proxy_balances_both_apps_stickily_on_the_port_the_image_exposes():
    port = _exposed_port()
    upstreams = re.search(r"reverse_proxy ([^{\n]+)\{", CADDYFILE).group(1).split()
    assert upstreams == [f"{app}:{port}" for app in APPS]
    assert re.search(r"^\s*lb_policy cookie\b", CADDYFILE, re.M)   # a session stays on its app
    assert re.search(r"^\s*health_uri /_stcore/health$", CADDYFILE, re.M)
    mounts = COMPOSE["services"]["proxy"]["volumes"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in mounts


def test_the_image_installs_what_the_exports_and_ocr_need_and_runs_the_dashboard():
    scripts = "".join((REPO / "scripts" / f).read_text() for f in
                      ("install-browser.sh", "install-ocr.sh"))
    assert _apt_packages(scripts) <= _apt_packages(DOCKERFILE)
    assert {"chromium", "fonts-noto-cjk"} <= _apt_packages(DOCKERFILE)
    runs = [arg for ins, arg in _dockerfile_instructions() if ins == "RUN"]
    assert any("pip install -r requirements.txt" in r for r in runs)
    cmd = next(arg for ins, arg in _dockerfile_instructions() if ins == "CMD")
    assert yaml.safe_load(cmd)[:3] == ["streamlit", "run", "dashboard.py"]
    env = " ".join(arg for ins, arg in _dockerfile_instructions() if ins == "ENV")
    assert f"STREAMLIT_SERVER_PORT={_exposed_port()}" in env
    assert "BROWSER_PATH=/usr/bin/chromium" in env
    assert "/_stcore/health" in next(arg for ins, arg in _dockerfile_instructions()
                                     if ins == "HEALTHCHECK")


@pytest.mark.parametrize("kept_out", [".git", ".venv", "config/accounts.yaml",
                                      ".streamlit/secrets.toml", ".env", "data/undone"])
def test_local_environment_and_secrets_stay_out_of_the_image(kept_out):
    assert kept_out in (REPO / ".dockerignore").read_text().split()
