"""The API's rate limit per client address: ADVOCATE_API_RATE_LIMIT, 600 a minute by default."""

from __future__ import annotations

from typing import Any

import pytest

from advocate.config import ConfigError, load_settings


def test_the_default_is_600_a_minute_and_a_bad_value_stops_start_up(tmp_path: Any) -> None:
    assert load_settings({"ADVOCATE_DATA_DIR": str(tmp_path)})["API_RATE_LIMIT"] == (
        "600 per minute"
    )
    raised = load_settings(
        {"ADVOCATE_DATA_DIR": str(tmp_path), "ADVOCATE_API_RATE_LIMIT": "5 per second"}
    )
    assert raised["API_RATE_LIMIT"] == "5 per second"
    with pytest.raises(ConfigError, match="ADVOCATE_API_RATE_LIMIT"):
        load_settings({"ADVOCATE_DATA_DIR": str(tmp_path), "ADVOCATE_API_RATE_LIMIT": "lots"})


def test_the_configured_limit_applies_to_the_api(
    make_app: Any, make_user: Any, api_token: Any
) -> None:
    from advocate.extensions import limiter

    app = make_app({"ADVOCATE_API_RATE_LIMIT": "3 per minute"}, RATELIMIT_ENABLED=True)
    limiter.reset()
    headers = api_token(make_user("caseworker").email)
    client = app.test_client()
    statuses = [client.get("/api/v1/cases", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limiter.reset()
