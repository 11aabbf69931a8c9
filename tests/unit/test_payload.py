import pytest

from hayhooks.tracing.payload import REDACTED, cap, is_sensitive, payload_values, redact, shape


@pytest.mark.parametrize(
    "key",
    ["api_key", "OPENAI_API_KEY", "x-api-key", "apiKey", "auth_token", "Authorization", "password",
     "client_secret", "credentials", "access_token", "TOKEN"],
)
def test_secret_keys_are_sensitive(key):
    assert is_sensitive(key)


@pytest.mark.parametrize("key", ["keyword", "monkey", "max_tokens", "author", "question", "top_k", "keys"])
def test_ordinary_keys_are_not_sensitive(key):
    assert not is_sensitive(key)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("x" * 24, "str(24)"), (3, "int"), (0.5, "float"), (True, "bool"), (None, "None"),
     ({"a": 1, "b": 2, "c": 3}, "dict(3)"), ([1, 2], "list(2)")],
)
def test_shape_gives_type_and_size(value, expected):
    assert shape(value) == expected


def test_payload_values_records_shapes_by_default():
    payload = {"question": "q" * 24, "top_k": 5, "filters": {"a": 1, "b": 2, "c": 3}}
    assert payload_values(payload, raw=False) == "question=str(24), top_k=int, filters=dict(3)"


def test_secret_keys_are_redacted_even_in_shape_mode():
    assert payload_values({"api_key": "sk-123"}, raw=False) == f"api_key={REDACTED}"


def test_raw_values_are_redacted_at_any_depth():
    payload = {"q": "hi", "config": {"nested": [{"password": "p4ss", "keyword": "ok"}]}}
    text = payload_values(payload, raw=True)
    assert "p4ss" not in text
    assert '"keyword":"ok"' in text and REDACTED in text


def test_deep_nesting_is_cut_not_fatal():
    value: dict = {}
    cursor = value
    for _ in range(100):
        cursor["next"] = {}
        cursor = cursor["next"]
    text = str(redact(value))
    assert "depth>" in text


def test_binary_data_becomes_a_size():
    assert redact({"blob": b"\x00\xff" * 10}) == {"blob": "<bytes(20)>"}


def test_cap_says_how_much_was_cut():
    assert cap("abcdef", 3) == "abc…[+3 chars]"
    assert cap("abc", 3) == "abc"


def test_payload_tag_is_length_capped():
    assert len(payload_values({"q": "x" * 10_000}, raw=True, limit=100)) < 130
