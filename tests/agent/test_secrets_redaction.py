"""Redaction, exactly: what is left of a text once the known secrets are replaced —
short passwords in any form, every occurrence, nothing more than the secret — and what a
stream shows chunk by chunk. The encoded forms come from the real commands."""

from __future__ import annotations

import pytest

from agent.secrets import HOLD_BACK, REDACTED, Redactor, StreamRedactor, redact_content
from tests.agent.test_secrets import shell

KEY = "sk-ant-api03-Zq8Xv2Lm9Pk4Wn7Rt5Yb"


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        # Only the characters that carry bits of what surrounds the password stay.
        ("printf 'hunter2-pw\\n' | base64", f"{REDACTED}wo=\n"),
        ("printf 'x%s\\n' hunter2-pw | base64", f"eGh1{REDACTED}cK\n"),
        ("printf 'xy%s\\n' hunter2-pw | base64", f"eHlo{REDACTED}Cg==\n"),
        ("printf 'hunter2-pw' | base32", f"{REDACTED}\n"),
        ("printf 'xyz%s\\n' hunter2-pw | base32", f"PB4XU2DV{REDACTED}OCQ=\n"),
    ],
)
def test_a_short_password_is_redacted_in_base64_and_base32(command: str, shown: str) -> None:
    # A 10-character password once went through both encodings untouched.
    assert Redactor(["hunter2-pw"])(shell(command)) == shown


def test_a_long_secret_in_base64_is_redacted_up_to_its_last_own_character() -> None:
    out = shell(f"printf 'x%sabc' '{KEY}' | base64 -w0")
    assert Redactor([KEY])(out) == f"eHNr{REDACTED}mFiYw=="


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("printf 'Zq8Xv2Lm9Pk4Wn7R' | od -x", f"0000000 {REDACTED}\n0000020\n"),
        ("printf 'xZq8Xv2Lm9Pk4Wn7R' | od -x", f"0000000 5a78 {REDACTED}\n0000020 0052\n0000021\n"),
        ("printf 'Zq8Xv2Lm9Pk4Wn7R' | xxd", f"00000000: {REDACTED}  {REDACTED}\n"),
    ],
)
def test_hex_dumps_are_redacted_word_for_word(command: str, shown: str) -> None:
    # From the secret's first 16-bit word to its last, at either byte alignment.
    assert Redactor(["Zq8Xv2Lm9Pk4Wn7R"])(shell(command)) == shown


def test_an_eight_character_password_is_redacted_in_any_case_and_spacing() -> None:
    redact = Redactor(["abcd1234"])
    assert redact("PW: ABCD-1234 done") == f"PW: {REDACTED} done"
    assert redact("a ABCD1234 b abcd-1234 c AbCd1234.") == (
        f"a {REDACTED} b {REDACTED} c {REDACTED}."
    )
    assert redact("4321dcba") == REDACTED  # rev
    assert redact("ABCD1234ABCD1234") == REDACTED  # back to back: one span
    assert redact("abcd123") == "abcd123"


def test_a_run_longer_than_the_password_is_redacted_whole() -> None:
    assert Redactor(["ZZZZZZZZZ"])("<zz-zzzzzzzz>") == f"<{REDACTED}>"
    assert Redactor(["!!!!!!!!"])("say !!!!!!!!!") == f"say {REDACTED}"


def test_a_password_mostly_of_punctuation_is_redacted_where_it_appears_as_written() -> None:
    redact = Redactor(["p@$$-w0rd!"])
    text = "a p@$$-w0rd! b p@$$-w0rd! c p@$$-w0rd! d"
    assert redact(text) == f"a {REDACTED} b {REDACTED} c {REDACTED} d"
    assert redact("P@$$-W0RD!") == "P@$$-W0RD!"  # too little of it is letters or digits


def test_without_secrets_text_is_unchanged() -> None:
    redact = Redactor(["short"])
    assert not redact
    assert redact(KEY) == KEY
    assert StreamRedactor(redact).feed(KEY) == KEY  # nothing to hold back


def test_a_stream_shows_what_is_more_than_the_hold_back_behind() -> None:
    stream = StreamRedactor(Redactor([KEY]))
    assert stream.feed("a" * HOLD_BACK) == ""
    assert stream.feed("b") == "a"
    assert stream.flush() == "a" * (HOLD_BACK - 1) + "b"
    assert stream.flush() == ""
    assert stream.feed("c") == ""
    assert stream.flush() == "c"


def test_a_stream_shows_a_secret_that_ends_where_it_may_cut_redacted() -> None:
    stream = StreamRedactor(Redactor([KEY]))
    assert stream.feed(f"key: {KEY}" + "\n" * HOLD_BACK) == f"key: {REDACTED}"
    assert stream.flush() == "\n" * HOLD_BACK


def test_a_stream_holds_back_a_secret_across_the_cut() -> None:
    stream = StreamRedactor(Redactor([KEY]))
    assert stream.feed("x" * 10 + KEY + "y" * (HOLD_BACK - 5)) == "x" * 10
    later = stream.feed(KEY.upper())
    assert later == REDACTED + "y" * 28
    assert later + stream.flush() == REDACTED + "y" * (HOLD_BACK - 5) + REDACTED


def test_tool_results_are_redacted_block_by_block() -> None:
    redact = Redactor([KEY])
    assert redact_content(f"key {KEY}", redact) == f"key {REDACTED}"
    image = {"type": "image", "source": {"type": "base64", "data": KEY}}
    blocks = [{"type": "text", "text": f"[{KEY}]"}, image, {"type": "text", "text": None}]
    assert redact_content(blocks, redact) == [
        {"type": "text", "text": f"[{REDACTED}]"},
        image,
        {"type": "text", "text": None},
    ]
    assert redact_content(None, redact) is None
