"""The web app serving HTTPS (ASVS 12.3.1 / 12.3.3: the ingress → web hop, docs/deployment.md
"Internal TLS"): `python -m bot.web`, the process a pod runs, started with a certificate made here
by trustme in WEB_TLS_CERT_FILE / WEB_TLS_KEY_FILE, answers over HTTPS a client that trusts the
CA, is refused by a client that trusts another CA, and no longer speaks plain HTTP. With only one
of the two files set, or a key it cannot load, it refuses to start and says why. Without either
it serves plain HTTP as before (make run, make test: tests/test_desk_login.py's process)."""

import http.client
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import trustme

from bot.store.migrate import upgrade
from bot.web.settings import tls_files
from tests.support.processes import free_port, wait_until_listening

ROOT = Path(__file__).resolve().parents[1]
TLS_VARIABLES = ("WEB_TLS_CERT_FILE", "WEB_TLS_KEY_FILE")


def _environment(tmp_path: Path, port: int, **tls: str) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    upgrade(url)
    environment = {**os.environ, "DATABASE_URL": url, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port),
                   "RASA_URL": "http://127.0.0.1:9", "STAFF_COOKIE_SECURE": "0", **tls}
    for name in ("CHAT_STATE_URL", "TRUSTED_PROXIES", "WEB_SETTINGS", "RASA_CA_FILE", *TLS_VARIABLES):
        if name not in tls:
            environment.pop(name, None)
    return environment


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def certificate_files(ca, tmp_path_factory) -> dict[str, str]:
    """The web app's certificate for 127.0.0.1 (in the cluster: the Service name "web") and its key."""
    issued = ca.issue_cert("127.0.0.1", "web")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "tls.crt", folder / "tls.key"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    return {"WEB_TLS_CERT_FILE": str(cert), "WEB_TLS_KEY_FILE": str(key)}


@pytest.fixture(scope="module")
def web_over_tls(tmp_path_factory, certificate_files):
    """The port of one `python -m bot.web` serving HTTPS, shared by this module's tests."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=ROOT,
                               env=_environment(tmp_path_factory.mktemp("web"), port, **certificate_files),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_until_listening(process, port)
    yield port
    process.terminate()
    process.wait(timeout=10)
    process.stderr.close()


def _get(url: str, context: ssl.SSLContext | None = None) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5, context=context) as response:
        return response.status, response.read()


def _trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_a_client_that_trusts_the_ca_gets_its_answer_over_https(web_over_tls, ca):
    status, _ = _get(f"https://127.0.0.1:{web_over_tls}/healthz", _trusting(ca))
    assert status == 200
    status, body = _get(f"https://127.0.0.1:{web_over_tls}/", _trusting(ca))
    assert status == 200 and body


def test_a_client_that_trusts_another_ca_is_refused(web_over_tls):
    with pytest.raises(urllib.error.URLError) as refused:
        _get(f"https://127.0.0.1:{web_over_tls}/healthz", _trusting(trustme.CA()))
    assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)


def test_plain_http_gets_no_answer(web_over_tls):
    with pytest.raises((OSError, http.client.HTTPException)):
        _get(f"http://127.0.0.1:{web_over_tls}/healthz")


@pytest.mark.parametrize("only", TLS_VARIABLES)
def test_only_one_of_certificate_and_key_refuses_to_start(tmp_path, certificate_files, only):
    result = subprocess.run([sys.executable, "-m", "bot.web"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=_environment(tmp_path, free_port(), **{only: certificate_files[only]}))
    missing = next(name for name in TLS_VARIABLES if name != only)
    assert result.returncode != 0
    assert f"The web app does not start: {only} is set but {missing} is not" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_it_cannot_load_refuses_to_start(tmp_path, certificate_files):
    files = {**certificate_files, "WEB_TLS_KEY_FILE": str(tmp_path / "missing.key")}
    result = subprocess.run([sys.executable, "-m", "bot.web"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=_environment(tmp_path, free_port(), **files))
    assert result.returncode != 0
    assert "The web app does not start: cannot load WEB_TLS_CERT_FILE=" in result.stderr
    assert "Traceback" not in result.stderr


def test_neither_file_set_means_plain_http(monkeypatch):
    for name in TLS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert tls_files() is None
    monkeypatch.setenv("WEB_TLS_CERT_FILE", "/etc/bekymring/tls/tls.crt")
    monkeypatch.setenv("WEB_TLS_KEY_FILE", "/etc/bekymring/tls/tls.key")
    assert tls_files() == ("/etc/bekymring/tls/tls.crt", "/etc/bekymring/tls/tls.key")
