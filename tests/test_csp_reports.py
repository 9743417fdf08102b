"""CSP reports (ASVS 3.4.7): every answer's policy names /csp-report, both as `report-uri` and
through `report-to` and Reporting-Endpoints; a report in either format browsers use becomes one
security event line that holds the directive, the blocked address's scheme and host and the page's
route, never a path, query or case code; oversize, malformed and foreign bodies are refused with
the security headers, and a flood of reports is cut off."""

import json
import logging
from dataclasses import replace

import pytest

from bot.store.engine import make_engine
from bot.web.app import create_app
from bot.web.settings import web_settings

SECRET = "min-datter-lise"  # stands for anything private in a URL: it must never reach a log
CSP_REPORT = {"csp-report": {
    "document-uri": f"https://bekymring.example/staff/cases/K7Q2M9?navn={SECRET}",
    "referrer": "",
    "violated-directive": "script-src-elem 'self'",
    "effective-directive": "script-src-elem",
    "original-policy": "default-src 'self'; report-uri /csp-report",
    "blocked-uri": f"https://tracker.example:8443/{SECRET}/x.js?who={SECRET}",
    "status-code": 200,
}}
REPORTS_JSON = [
    {"type": "csp-violation", "age": 10, "url": f"https://bekymring.example/?q={SECRET}", "user_agent": "x",
     "body": {"documentURL": f"https://bekymring.example/?q={SECRET}", "effectiveDirective": "img-src",
              "blockedURL": f"http://images.example/{SECRET}.png", "disposition": "enforce"}},
    {"type": "deprecation", "age": 1, "url": "https://bekymring.example/", "body": {"id": "x"}},
]
CSP = {"Content-Type": "application/csp-report"}


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    yield engine
    engine.dispose()


def app_with(engine, **csp_reports):
    settings = web_settings()
    settings = replace(settings, csp_reports=replace(settings.csp_reports, **csp_reports))
    return create_app(engine, assistant_url="http://127.0.0.1:9/none", settings=settings, proxies=[])


@pytest.fixture
async def client(aiohttp_client, engine):
    return await aiohttp_client(app_with(engine))


def logged(caplog) -> list[dict]:
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.web.security_events"]
    for line in lines:
        assert SECRET not in line and "K7Q2M9" not in line and "8443" not in line
    return [json.loads(line.removeprefix("security_event ")) for line in lines]


@pytest.mark.parametrize("path", ["/", "/widget.js", "/staff/login", "/nowhere"])
async def test_every_answer_names_the_report_endpoint(client, path):
    response = await client.get(path)
    policy = [part.strip() for part in response.headers["Content-Security-Policy"].split(";")]
    assert "report-uri /csp-report" in policy and "report-to csp" in policy
    assert response.headers["Reporting-Endpoints"] == 'csp="/csp-report"'


async def test_a_csp_report_is_logged_without_paths_queries_or_case_codes(client, caplog):
    caplog.set_level(logging.INFO)
    response = await client.post("/csp-report", data=json.dumps(CSP_REPORT), headers=CSP)
    assert response.status == 204
    [event] = logged(caplog)
    assert {key: event[key] for key in ("event", "status", "route", "directive", "blocked", "document")} == {
        "event": "csp_violation", "status": 204, "route": "/csp-report", "directive": "script-src-elem",
        "blocked": "https://tracker.example", "document": "/staff/cases/{code}"}
    assert "127.0.0.1" not in event["source"]  # the address's keyed hash, as in every security event


async def test_reports_from_the_reporting_api_are_logged_too(client, caplog):
    caplog.set_level(logging.INFO)
    response = await client.post("/csp-report", data=json.dumps(REPORTS_JSON),
                                 headers={"Content-Type": "application/reports+json"})
    assert response.status == 204
    [event] = logged(caplog)  # the deprecation report is not logged
    assert (event["directive"], event["blocked"], event["document"]) == ("img-src", "http://images.example", "/")


async def test_what_a_sender_makes_up_is_reduced_to_known_values(client, caplog):
    caplog.set_level(logging.INFO)
    made_up = {"csp-report": {"document-uri": f"/{SECRET}", "effective-directive": f"{SECRET}-src",
                              "blocked-uri": f"javascript:alert('{SECRET}')"}}
    assert (await client.post("/csp-report", data=json.dumps(made_up), headers=CSP)).status == 204
    inline = {"csp-report": {"document-uri": "/", "violated-directive": "style-src-attr", "blocked-uri": "inline"}}
    assert (await client.post("/csp-report", data=json.dumps(inline), headers=CSP)).status == 204
    assert [(e["directive"], e["blocked"], e["document"]) for e in logged(caplog)] == [
        ("other", "javascript", "other"), ("style-src-attr", "inline", "/")]


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"{not json", "application/csp-report", 400),
    (b"\xff\xfe", "application/csp-report", 400),
    (b'{"csp-report": "no"}', "application/csp-report", 400),
    (b'[{"type": "deprecation", "body": {}}]', "application/reports+json", 400),
    (b'[{"csp-report": {}}]', "application/csp-report", 400),
    (("[" * 50 + "]" * 50).encode(), "application/reports+json", 400),
    (json.dumps(CSP_REPORT).encode(), "text/plain", 415),
    (json.dumps({"csp-report": {"blocked-uri": "x" * 9000}}).encode(), "application/csp-report", 413),
])
async def test_bad_bodies_are_refused_with_the_security_headers(client, caplog, body, content_type, status):
    caplog.set_level(logging.INFO)
    response = await client.post("/csp-report", data=body, headers={"Content-Type": content_type})
    assert response.status == status
    assert "report-uri /csp-report" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert logged(caplog) == []


async def test_an_oversize_body_without_a_length_is_refused(client):
    async def chunks():
        for _ in range(10):
            yield b" " * 1024

    response = await client.post("/csp-report", data=chunks(), headers=CSP)
    assert response.status == 413


async def test_a_flood_of_reports_is_cut_off_per_address_and_for_all(aiohttp_client, engine, caplog):
    caplog.set_level(logging.INFO)
    client = await aiohttp_client(app_with(engine, burst=3, per_minute=1))
    statuses = [(await client.post("/csp-report", data=json.dumps(CSP_REPORT), headers=CSP)).status
                for _ in range(20)]
    assert statuses == [204] * 3 + [429] * 17
    assert len(logged(caplog)) == 3
    client = await aiohttp_client(app_with(engine, burst=100, all_burst=2, all_per_minute=1))
    statuses = [(await client.post("/csp-report", data=json.dumps(CSP_REPORT), headers=CSP)).status
                for _ in range(5)]
    assert statuses == [204] * 2 + [429] * 3
    many = json.dumps(REPORTS_JSON[:1] * 20)
    client = await aiohttp_client(app_with(engine))
    caplog.clear()
    response = await client.post("/csp-report", data=many, headers={"Content-Type": "application/reports+json"})
    assert response.status == 204 and len(logged(caplog)) == 5  # at most five lines from one request
