"""The HTTP API over real HTTP (uvicorn on 127.0.0.1, port 0) with the fake-embedder engine: /api/ask, /api/stats,
/healthz, bad requests, the bearer token, the rate limit, the body limit and CORS."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest

from bot.core.conversation import Conversation
from bot.core.render import to_json
from bot.settings import Settings
from tests.http_fixtures import EXAMPLE, KUAISHOU_URL


def test_ask_returns_exactly_the_object_of_ask_json(url, fake_engine):
    response = httpx.post(f"{url}/api/ask", json={"question": EXAMPLE})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    expected = to_json(Conversation(fake_engine).ask(EXAMPLE).answer)
    assert response.json() == json.loads(json.dumps(expected, ensure_ascii=False))
    body = response.json()
    assert body["answerable"] and "500" in body["answer"] and body["citations"][0]["url"] == KUAISHOU_URL


def test_ask_without_a_content_type_header_still_works(url):
    """curl -d '{...}' sends application/x-www-form-urlencoded; the body is JSON all the same."""
    response = httpx.post(f"{url}/api/ask", content=json.dumps({"question": EXAMPLE}).encode())
    assert response.status_code == 200 and response.json()["answerable"]


BAD_ASKS = [
    pytest.param('{"question": "快手'.encode(), 400, "bad_json", id="bad-json"),
    pytest.param(b'{"since": "2022-01-01"}', 422, "invalid_request", id="missing-question"),
    pytest.param(json.dumps({"question": "   "}).encode(), 422, "invalid_question", id="empty-question"),
    pytest.param(json.dumps({"question": "问" * 10_000}).encode(), 422, "invalid_question", id="10000-chars"),
    pytest.param(b"[1, 2]", 400, "bad_json", id="not-an-object"),
    pytest.param(b'{"question": 42}', 422, "invalid_request", id="question-not-text"),
    pytest.param('{"question": "快手", "since": "May 2022"}'.encode(), 422, "invalid_date", id="bad-date"),
    pytest.param('{"question": "快手", "llm": true}'.encode(), 422, "llm_not_configured", id="llm-without-server"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_ASKS)
def test_bad_requests_get_a_4xx_json_error_and_the_server_still_answers(url, body, status, code):
    response = httpx.post(f"{url}/api/ask", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and error["type"] == "invalid_request_error"
    assert "Traceback" not in response.text
    after = httpx.post(f"{url}/api/ask", json={"question": EXAMPLE})
    assert after.status_code == 200 and after.json()["answerable"]


def test_question_errors_say_what_is_wrong_in_the_users_words(url):
    long = httpx.post(f"{url}/api/ask", json={"question": "问" * 10_000}).json()["error"]["message"]
    assert "10000" in long and "500" in long  # its length and the limit
    assert "请输入" in httpx.post(f"{url}/api/ask", json={"question": ""}).json()["error"]["message"]


def test_date_range_filters_the_sources(url):
    before = httpx.post(f"{url}/api/ask", json={"question": EXAMPLE, "until": "2000-01-01"}).json()
    assert not before["answerable"] and before["citations"] == []
    inside = httpx.post(f"{url}/api/ask", json={"question": EXAMPLE, "since": "2022-05-01", "until": "2022-05-31"})
    dates = [c["date"][:10] for c in inside.json()["citations"]]
    assert dates and all("2022-05-01" <= d <= "2022-05-31" for d in dates)


def test_stats_healthz_and_unknown_routes(url):
    stats = httpx.get(f"{url}/api/stats").json()
    assert stats["documents"] == 13 and stats["chunks"] > 0
    assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
    missing = httpx.get(f"{url}/api/nothing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong_method = httpx.get(f"{url}/api/ask")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["message"]


def test_an_engine_failure_is_a_json_500_without_traceback(url, fake_engine, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire at /secret/path")

    monkeypatch.setattr(fake_engine, "ask", broken)
    response = httpx.post(f"{url}/api/ask", json={"question": EXAMPLE})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "Traceback" not in response.text and "/secret/path" not in response.text
    monkeypatch.undo()
    assert httpx.post(f"{url}/api/ask", json={"question": EXAMPLE}).status_code == 200


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_gets_413(serve, declared):
    with serve(max_body_bytes=2048) as base:
        body = json.dumps({"question": "快手", "padding": "x" * 4096}).encode()
        content = body if declared else iter([body[:1000], body[1000:]])  # an iterator is sent chunked
        response = httpx.post(f"{base}/api/ask", content=content)
        assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"
        assert httpx.post(f"{base}/api/ask", json={"question": EXAMPLE}).status_code == 200


def test_bearer_token_is_checked_on_every_api_route(serve):
    with serve(api_token="s3cret") as base:
        routes = [
            ("POST", "/api/ask", {"question": EXAMPLE}),
            ("GET", "/api/stats", None),
            ("GET", "/v1/models", None),
            ("POST", "/v1/chat/completions", {"model": "xunda", "messages": [{"role": "user", "content": EXAMPLE}]}),
        ]
        for method, path, body in routes:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
                refused = httpx.request(method, base + path, json=body, headers=headers)
                assert refused.status_code == 401, (path, headers)
                assert refused.json()["error"]["code"] == "invalid_api_key"
                assert refused.headers["www-authenticate"] == "Bearer"
            allowed = httpx.request(method, base + path, json=body, headers={"Authorization": "Bearer s3cret"})
            assert allowed.status_code == 200, path
        # The load balancer's probe and the page itself hold no data and stay open.
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/").status_code == 200


def test_rate_limit_is_per_client_address(serve):
    """Two clients on different loopback addresses: the one that asks too often waits, the other does not."""
    with serve(http_rate_limit_per_minute=3) as base:
        first = httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address="127.0.0.1"))
        other = httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        answers = [first.post("/api/ask", json={"question": EXAMPLE}).status_code for _ in range(3)]
        assert answers == [200, 200, 200]
        refused = first.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": EXAMPLE}]})
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited" and int(refused.headers["retry-after"]) >= 1
        assert other.post("/api/ask", json={"question": EXAMPLE}).status_code == 200
        assert first.get("/api/stats").status_code == 200  # only questions count


def test_cors_is_off_unless_configured(serve):
    preflight = {"Origin": "https://intranet.example", "Access-Control-Request-Method": "POST"}
    with serve() as base:
        response = httpx.post(f"{base}/api/ask", json={"question": EXAMPLE}, headers={"Origin": preflight["Origin"]})
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-origin" not in httpx.options(f"{base}/api/ask", headers=preflight).headers
    with serve(cors_origins=("https://intranet.example",)) as base:
        allowed = httpx.options(f"{base}/api/ask", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://intranet.example"
        other = httpx.options(f"{base}/api/ask", headers={**preflight, "Origin": "https://evil.example"})
        assert other.headers.get("access-control-allow-origin") != "https://evil.example"


def test_many_concurrent_clients_each_get_their_own_answer(url):
    questions = [f"{EXAMPLE}（第{i}位）" for i in range(30)]

    async def everyone():
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            return await asyncio.gather(*(client.post("/api/ask", json={"question": q}) for q in questions))

    responses = asyncio.run(everyone())
    assert [r.status_code for r in responses] == [200] * len(questions)
    assert [r.json()["question"] for r in responses] == questions


def test_settings_from_the_environment():
    env = {
        "XUNDA_API_TOKEN": "t",
        "XUNDA_HTTP_RATE_LIMIT": "5",
        "XUNDA_CORS_ORIGINS": "https://a.example, https://b.example",
        "XUNDA_MAX_BODY_BYTES": "1000",
        "XUNDA_MAX_QUESTION_CHARS": "80",
    }
    settings = Settings.from_env(env)
    assert settings.api_token == "t" and settings.http_rate_limit_per_minute == 5
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.max_body_bytes == 1000 and settings.max_question_chars == 80
    defaults = Settings.from_env({})
    assert defaults.api_token is None and defaults.cors_origins == ()
    with pytest.raises(ValueError, match="XUNDA_HTTP_RATE_LIMIT"):
        Settings.from_env({"XUNDA_HTTP_RATE_LIMIT": "lots"})


def test_serving_beyond_loopback_without_a_token_warns(fake_engine, monkeypatch, caplog):
    import uvicorn

    from bot.http.server import run

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **kw: started.append((host, port)))
    with caplog.at_level(logging.WARNING, logger="bot.http.server"):
        run(fake_engine.settings, fake_engine, None, "127.0.0.1", 8000)
        run(fake_engine.settings, fake_engine, None, "::1", 8000)
        assert "XUNDA_API_TOKEN" not in caplog.text
        run(fake_engine.settings.with_(api_token="t"), fake_engine, None, "0.0.0.0", 8000)
        assert "XUNDA_API_TOKEN" not in caplog.text
        run(fake_engine.settings, fake_engine, None, "0.0.0.0", 8000)
    assert "without XUNDA_API_TOKEN" in caplog.text
    assert started == [("127.0.0.1", 8000), ("::1", 8000), ("0.0.0.0", 8000), ("0.0.0.0", 8000)]
