"""Prices, request costs, session totals, and the default model."""

from __future__ import annotations

import logging
import typing

import pytest

from agent.client import default_model, make_client
from agent.cost import CostTracker, Usage, request_cost
from agent.errors import NoCredentials
from agent.prices import PRICES, normalise, price_for


def test_every_row_is_dated_sourced_and_consistent() -> None:
    for model, price in PRICES.items():
        assert price.checked and price.source.startswith("https://"), model
        assert price.cache_write_5m == pytest.approx(price.input * 1.25), model
        assert price.cache_write_1h == pytest.approx(price.input * 2), model
        assert 0 < price.cache_read < price.input < price.output, model


def test_the_installed_sdk_models_have_prices() -> None:
    from anthropic.types import Model

    ids = [a for arg in typing.get_args(Model) for a in typing.get_args(arg)]
    unpriced = [m for m in ids if price_for(m) is None and "preview" not in m]
    assert unpriced == []


def test_default_model_is_the_newest_sonnet_in_the_sdk() -> None:
    from anthropic.types import Model

    ids = [a for arg in typing.get_args(Model) for a in typing.get_args(arg)]
    model = default_model()
    assert model in ids and model.startswith("claude-sonnet-")
    assert model == "claude-sonnet-5-5"  # anthropic 2.14's literal
    assert default_model("opus") == "claude-opus-5-5"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"),
        ("claude-opus-4-5@20251101", "claude-opus-4-5"),
        ("claude-sonnet-5-5[1m]", "claude-sonnet-5-5"),
    ],
)
def test_provider_ids_are_normalised(given: str, expected: str) -> None:
    assert normalise(given) == expected
    assert price_for(given) is PRICES[expected]


def test_request_cost_counts_every_kind_of_token() -> None:
    usage = Usage(
        input_tokens=1_000,
        output_tokens=2_000,
        cache_creation_input_tokens=10_000,
        cache_read_input_tokens=100_000,
        cache_creation_1h_input_tokens=4_000,
    )
    # Sonnet 5.5: $2 in, $10 out, $2.50 5-min write, $4 1-h write, $0.20 read per MTok.
    expected = (1_000 * 2 + 2_000 * 10 + 6_000 * 2.5 + 4_000 * 4 + 100_000 * 0.2) / 1e6
    assert request_cost(usage, PRICES["claude-sonnet-5-5"]) == pytest.approx(expected)


def test_haiku_5_5_long_prompts_pay_the_higher_band() -> None:
    price = PRICES["claude-haiku-5-5"]
    short = Usage(input_tokens=50_000, output_tokens=1_000)
    long = Usage(input_tokens=50_000, cache_read_input_tokens=60_000, output_tokens=1_000)
    assert request_cost(short, price) == pytest.approx((50_000 * 0.10 + 1_000 * 0.5) / 1e6)
    assert request_cost(long, price) == pytest.approx(
        (50_000 * 0.5 + 60_000 * 0.05 + 1_000 * 2.5) / 1e6
    )


def test_usage_from_the_api_and_totals() -> None:
    usage = Usage.from_api(
        {
            "input_tokens": 10,
            "output_tokens": 5,
            "cache_creation_input_tokens": None,
            "cache_read_input_tokens": 7,
            "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
        }
    )
    assert usage == Usage(10, 5, 0, 7, 0)
    tracker = CostTracker(prior_usd=1.0)
    first = tracker.add("claude-sonnet-5-5", usage)
    tracker.add("claude-sonnet-5-5", usage)
    assert tracker.spent_usd == pytest.approx(2 * first)
    assert tracker.session_usd == pytest.approx(1.0 + 2 * first)
    assert tracker.usage.input_tokens == 20 and tracker.requests == 2


def test_settings_override_a_row_and_add_one(caplog: pytest.LogCaptureFixture) -> None:
    overrides = {
        "claude-sonnet-5-5": {"cache_read": 0.10},
        "my-proxy-model": {"input": 1, "output": 2},
    }
    assert price_for("claude-sonnet-5-5", overrides).cache_read == 0.10  # type: ignore[union-attr]
    assert price_for("claude-sonnet-5-5", overrides).input == 2  # type: ignore[union-attr]
    tracker = CostTracker(overrides)
    assert tracker.add("my-proxy-model", Usage(1_000_000, 1_000_000)) == pytest.approx(3.0)
    with caplog.at_level(logging.WARNING):
        assert tracker.add("claude-unknown", Usage(5, 5)) == 0.0
    assert "no price for model claude-unknown" in caplog.text


def test_no_key_is_a_clear_error() -> None:
    with pytest.raises(NoCredentials, match="ANTHROPIC_API_KEY"):
        make_client({})
    with pytest.raises(NoCredentials, match="CLOUD_ML_REGION"):
        make_client({"CLAUDE_CODE_USE_VERTEX": "1"})


def test_providers_are_chosen_by_claude_code_variables() -> None:
    from anthropic import AsyncAnthropic, AsyncAnthropicBedrock, AsyncAnthropicVertex

    api = make_client({"ANTHROPIC_AUTH_TOKEN": "tok", "ANTHROPIC_BASE_URL": "http://h:1"})
    assert isinstance(api, AsyncAnthropic) and str(api.base_url).rstrip("/") == "http://h:1"
    assert api.auth_token == "tok" and api.api_key is None
    bedrock = make_client(
        {
            "CLAUDE_CODE_USE_BEDROCK": "1",
            "AWS_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": "a",
            "AWS_SECRET_ACCESS_KEY": "b",
        }
    )
    assert isinstance(bedrock, AsyncAnthropicBedrock) and bedrock.aws_region == "eu-west-1"
    vertex = make_client(
        {
            "CLAUDE_CODE_USE_VERTEX": "1",
            "CLOUD_ML_REGION": "us-east5",
            "ANTHROPIC_VERTEX_PROJECT_ID": "proj",
        }
    )
    assert isinstance(vertex, AsyncAnthropicVertex)
    assert vertex.region == "us-east5" and vertex.project_id == "proj"
