"""The official openai client against a real server process, streaming and not."""

import openai
import pytest

from tests.conftest import EXAMPLES

pytestmark = pytest.mark.integration


def test_official_client_over_real_http(server_factory):
    server = server_factory("--pipelines-dir", str(EXAMPLES), "--workers", "2")
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list()] == ["chat"]
    answer = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "ping"}])
    assert answer.choices[0].message.content == "You said: ping"
    stream = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "a b c"}], stream=True)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in stream) == "You said: a b c"
