"""Rasa's API token is never on a command line (ASVS 13.3): not in the scripts that start Rasa, the
Kubernetes manifests or the image, where `ps` or the pod's spec would show it. bot/rasa_run.py adds
it inside the process; Rasa's HTTP API is on only where it is used."""

from pathlib import Path

import pytest
import yaml

from bot.rasa_run import with_token

ROOT = Path(__file__).resolve().parents[1]
STARTERS = [ROOT / "scripts" / name for name in ("services.sh", "prod_services.sh", "run.sh", "run_prod.sh",
                                                  "test.sh")] + [ROOT / "deploy" / "docker" / "Dockerfile"]


@pytest.mark.parametrize("path", STARTERS, ids=lambda path: path.name)
def test_no_script_puts_the_token_on_a_command_line(path):
    text = path.read_text(encoding="utf-8")
    assert "--auth-token" not in text and "--token" not in text


def test_no_manifest_hands_a_secret_to_a_command_line():
    for path in (ROOT / "deploy" / "kubernetes").glob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            template = ((document or {}).get("spec") or {}).get("template", {}).get("spec", {})
            for container in [*template.get("containers", []), *template.get("initContainers", [])]:
                words = " ".join([*container.get("command", []), *container.get("args", [])])
                assert "--auth-token" not in words and "$(RASA_AUTH_TOKEN)" not in words, path.name


def test_the_api_is_enabled_only_for_make_test_and_the_kubernetes_probes():
    services = (ROOT / "scripts" / "services.sh").read_text(encoding="utf-8")
    assert "${RASA_API:+--enable-api}" in services and services.count("--enable-api") == 1
    assert "RASA_API=1 start_rasa" in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    for name in ("run.sh", "run_prod.sh", "prod_services.sh"):
        assert "RASA_API" not in (ROOT / "scripts" / name).read_text(encoding="utf-8")


def test_the_launcher_adds_the_token_and_refuses_one_on_the_command_line():
    assert with_token(["run", "--enable-api"], "-abc") == ["run", "--enable-api", "--auth-token=-abc"]
    assert with_token(["run"], "") == ["run"]
    for given in (["--auth-token", "x"], ["--auth-token=x"]):
        with pytest.raises(SystemExit):
            with_token(["run", *given], "y")
