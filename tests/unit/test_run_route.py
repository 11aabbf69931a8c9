"""POST /{name}/run: schema from run_api, result wrapping, streaming, errors."""

import threading

import pytest

from hayhooks.server.deployer import Deployer
from tests.conftest import deploy_wrapper

ECHO_THREAD = """
import threading
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> dict:
        return {"text": text, "thread": threading.current_thread().name}
"""

ASYNC = """
import asyncio
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    async def run_api_async(self, n: int = 2) -> list[int]:
        await asyncio.sleep(0)
        return list(range(n))
"""

STREAM = """
from collections.abc import Generator
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> Generator[str, None, None]:
        for word in text.split():
            yield word + "|"
"""

SSE = """
from hayhooks import BasePipelineWrapper, SSEStream
from hayhooks.events import create_status_event

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> SSEStream:
        async def items():
            yield "first line\\nsecond line"
            yield create_status_event("only chat streams carry this")
            yield {"n": 1}
            yield ""
        return SSEStream(stream=items())
"""

NOT_A_STREAM = """
from hayhooks import BasePipelineWrapper, SSEStream

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> SSEStream:
        return SSEStream(stream=[text])
"""

UPLOAD = """
from fastapi import UploadFile
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, query: str, files: list[UploadFile] | None = None, top_k: int = 2) -> dict:
        return {"query": query, "top_k": top_k, "files": [[f.filename, f.file.read().decode()] for f in files or []]}
"""

FILES_OUT = """
import io
from fastapi.responses import FileResponse, Response, StreamingResponse
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, kind: str) -> FileResponse:
        if kind == "file":
            return FileResponse(path=__file__, media_type="text/x-python", filename="wrapper.py")
        if kind == "stream":
            return StreamingResponse(content=io.BytesIO(b"RIFF...."), media_type="audio/wav")
        return Response(content=b"PNG", media_type="image/png")
"""

HTTP_ERROR = """
from fastapi import HTTPException
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> str:
        raise HTTPException(status_code=418, detail="no coffee: " + text)
"""

LIAR = """
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> int:
        return {"not": "an int"}
"""


def test_result_is_wrapped_in_result(client):
    response = client.post("/shout/run", json={"text": "hey"})
    assert response.status_code == 200
    assert response.json() == {"result": "HEY!"}


def test_sync_run_api_runs_off_the_event_loop_thread(make_client):
    client = make_client()
    deploy_wrapper(client, "echo", ECHO_THREAD)
    result = client.post("/echo/run", json={"text": "x"}).json()["result"]
    assert result["thread"] != threading.main_thread().name
    assert result["thread"].startswith("hayhooks-run")  # the worker's pool, not the loop's thread


def test_async_run_api_is_awaited_with_defaults(make_client):
    client = make_client()
    deploy_wrapper(client, "counter", ASYNC)
    assert client.post("/counter/run", json={}).json() == {"result": [0, 1]}
    assert client.post("/counter/run", json={"n": 4}).json() == {"result": [0, 1, 2, 3]}


def test_generator_result_is_streamed_as_text(make_client):
    client = make_client()
    deploy_wrapper(client, "words", STREAM)
    response = client.post("/words/run", json={"text": "a b c"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "a|b|c|"


def test_an_sse_stream_is_answered_as_server_sent_events_one_data_line_per_line(make_client):
    client = make_client()
    deploy_wrapper(client, "events", SSE)
    response = client.post("/events/run", json={"text": "x"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text == 'data: first line\ndata: second line\n\ndata: {"n":1}\n\ndata:\n\n'


def test_an_sse_stream_of_something_else_than_a_generator_is_a_500_saying_so(make_client):
    client = make_client()
    deploy_wrapper(client, "bad_sse", NOT_A_STREAM)
    response = client.post("/bad_sse/run", json={"text": "x"})
    assert response.status_code == 500
    assert "SSEStream.stream must be a generator or an async generator, not list" in response.text


AS_DICTS = """
from pydantic import BaseModel
from haystack import Document
from haystack.dataclasses import ChatMessage
from hayhooks import BasePipelineWrapper

class Item(BaseModel):
    name: str
    tags: list[str] = []

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, item: Item, documents: list[Document] = [], messages: list[ChatMessage] = [],
                count: int = 1) -> dict:
        # Written for Hayhooks, which passes model_dump(): nested models and dataclasses as dicts.
        return {
            "name": item["name"] * count,
            "tags": item["tags"],
            "contents": [Document(**d).content for d in documents],
            "texts": [ChatMessage.from_dict({"role": m["_role"].value, "content": m["_content"]}).text
                      for m in messages],
        }
"""


# pydantic builds a Document by setting its id after __init__, which Haystack warns about; not an error here.
@pytest.mark.filterwarnings("ignore:Mutating attribute 'id'")
def test_models_and_dataclasses_reach_run_api_as_dicts_as_hayhooks_passes_them(make_client):
    client = make_client()
    deploy_wrapper(client, "as_dicts", AS_DICTS)
    body = {"item": {"name": "ab", "tags": ["x"]}, "count": 2, "documents": [{"content": "doc one"}],
            "messages": [{"_role": "user", "_content": [{"text": "hi"}]}]}
    response = client.post("/as_dicts/run", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"result": {"name": "abab", "tags": ["x"], "contents": ["doc one"], "texts": ["hi"]}}


def test_a_run_api_taking_files_takes_multipart_forms_as_hayhooks_does(make_client):
    client = make_client()
    deploy_wrapper(client, "upload", UPLOAD)
    response = client.post("/upload/run", data={"query": "these", "top_k": "5"},
                           files=[("files", ("a.txt", b"alpha")), ("files", ("b.txt", b"beta"))])
    assert response.status_code == 200, response.text
    files = [["a.txt", "alpha"], ["b.txt", "beta"]]
    assert response.json() == {"result": {"query": "these", "top_k": 5, "files": files}}


def test_a_run_api_taking_files_still_takes_json_without_them(make_client):
    client = make_client()
    deploy_wrapper(client, "upload", UPLOAD)
    assert client.post("/upload/run", json={"query": "json"}).json() == {
        "result": {"query": "json", "top_k": 2, "files": []}}


@pytest.mark.parametrize(("body", "field"), [({"query": "q", "top_k": "many"}, "top_k"), ({"query": 123}, "query")])
def test_a_run_api_taking_files_refuses_json_that_does_not_fit_naming_the_field(make_client, body, field):
    client = make_client()
    # Every parameter has a default: a form handler given JSON would find no field and run with them all.
    deploy_wrapper(client, "upload", UPLOAD.replace("query: str,", 'query: str = "none",'))
    response = client.post("/upload/run", json=body)
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["body", field]]


def test_a_bad_form_field_is_422_naming_it(make_client):
    client = make_client()
    deploy_wrapper(client, "upload", UPLOAD)
    response = client.post("/upload/run", data={"top_k": "many"})
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {("body", "query"), ("body", "top_k")}


def test_a_run_api_returning_a_response_answers_with_it_as_it_is(make_client):
    client = make_client()
    deploy_wrapper(client, "image", FILES_OUT)
    file = client.post("/image/run", json={"kind": "file"})
    assert file.headers["content-type"].startswith("text/x-python") and b"class PipelineWrapper" in file.content
    assert 'filename="wrapper.py"' in file.headers["content-disposition"]
    assert client.post("/image/run", json={"kind": "stream"}).content == b"RIFF...."
    assert client.post("/image/run", json={"kind": "bytes"}).headers["content-type"] == "image/png"


def test_a_response_annotation_keeps_the_openapi_page_working(make_client):
    client = make_client()
    deploy_wrapper(client, "image", FILES_OUT)
    schema = client.get("/openapi.json")
    assert schema.status_code == 200
    assert "application/json" not in schema.json()["paths"]["/image/run"]["post"]["responses"]["200"].get("content", {})


def test_yaml_pipeline_runs_with_declared_inputs(client):
    response = client.post("/greet/run", json={"name": "Bo", "place": "Oslo"})
    assert response.json()["result"]["shout"]["output"] == "HELLO BO, WELCOME TO OSLO!"


def test_body_not_matching_the_schema_is_422_naming_the_field(client):
    response = client.post("/shout/run", json={"txt": "hey"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "text"]


def test_wrong_type_is_422_naming_the_field(client):
    response = client.post("/shout/run", json={"text": ["not", "a", "str"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "text"]


def test_malformed_json_is_422_saying_where(client):
    response = client.post("/shout/run", content=b'{"text": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_empty_body_is_422_not_a_run_with_defaults(make_client):
    client = make_client()
    deploy_wrapper(client, "counter", ASYNC)
    response = client.post("/counter/run", content=b"", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_body_that_is_not_json_is_422(client):
    response = client.post("/shout/run", content=b"text=hey", headers={"content-type": "text/plain"})
    assert response.status_code == 422


def test_json_content_type_with_charset_is_accepted(client):
    response = client.post("/shout/run", content=b'{"text": "hey"}',
                           headers={"content-type": "application/json; charset=utf-8"})
    assert response.json() == {"result": "HEY!"}


def test_result_not_matching_the_return_annotation_is_500_not_a_wrong_answer(make_client):
    client = make_client()
    deploy_wrapper(client, "liar", LIAR)
    response = client.post("/liar/run", json={"text": "x"})
    assert response.status_code == 500
    assert response.json()["detail"] == ("Pipeline 'liar' answered with a result that does not match run_api's "
                                         "return annotation (result: Input should be a valid integer)")


UNSENDABLE = """
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> dict:
        return {"name": "caf" + chr(0xDCE9)}  # bytes decoded with errors="surrogateescape"
"""


def test_a_result_holding_a_lone_surrogate_is_a_500_saying_so(make_client):
    client = make_client()
    deploy_wrapper(client, "unsendable", UNSENDABLE)
    response = client.post("/unsendable/run", json={"text": "x"})
    assert response.status_code == 500
    assert "not valid Unicode" in response.json()["detail"] and "\\udce9" in response.json()["detail"]


def test_other_method_on_a_run_route_is_405(client):
    response = client.get("/shout/run")
    assert response.status_code == 405


def test_undeployed_pipeline_is_404_again(make_client):
    client = make_client()
    deploy_wrapper(client, "teapot", HTTP_ERROR)
    assert client.post("/undeploy/teapot").status_code == 200
    assert client.post("/teapot/run", json={"text": "x"}).status_code == 404


def test_redeployed_pipeline_answers_with_its_new_code(make_client):
    client = make_client()
    deploy_wrapper(client, "swap", HTTP_ERROR)
    response = client.post("/deploy_files", json={"name": "swap", "files": {"pipeline_wrapper.py": ECHO_THREAD},
                                                   "save_files": False, "overwrite": True})
    assert response.status_code == 200, response.text
    assert client.post("/swap/run", json={"text": "x"}).json()["result"]["text"] == "x"


def test_pipelines_named_like_the_servers_own_paths_are_served_beside_them(make_client):
    client = make_client()
    for name in ("docs", "status", "v1", "deploy_files"):
        deploy_wrapper(client, name, ECHO_THREAD)
        assert client.post(f"/{name}/run", json={"text": name}).json()["result"]["text"] == name
    assert client.get("/docs").status_code == 200
    assert client.get("/v1/models").json()["data"] == []
    assert set(client.get("/status").json()["pipelines"]) == {"docs", "status", "v1", "deploy_files"}
    assert client.get("/status/status").json()["pipeline"] == "status"


def test_unknown_pipeline_is_404_naming_it(client):
    response = client.post("/nope/run", json={})
    assert response.status_code == 404
    assert "Pipeline 'nope' not found" in response.json()["detail"]


CHAT_ONLY = """
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_chat_completion(self, model: str, messages: list[dict], body: dict) -> str:
        return "hi"
"""


def test_the_run_path_of_a_chat_only_pipeline_is_404_saying_where_it_answers(make_client):
    client = make_client()
    deploy_wrapper(client, "talker", CHAT_ONLY)
    response = client.post("/talker/run", json={})
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "Pipeline 'talker' has no run_api: it answers as an OpenAI model, at /v1/chat/completions or /v1/responses")


def test_pipeline_error_is_500_with_the_message_and_no_traceback(client):
    response = client.post("/flaky/run", json={"text": "please fail"})
    assert response.status_code == 500
    body = response.json()
    assert "Pipeline 'flaky' failed" in body["detail"]
    assert "asks to fail" in body["detail"]
    assert "traceback" not in body


def test_traceback_is_shown_only_when_asked(make_client, examples_dir):
    client = make_client(examples_dir, show_tracebacks=True)
    body = client.post("/flaky/run", json={"text": "fail"}).json()
    assert "Traceback (most recent call last)" in body["traceback"]


def test_a_pipeline_calling_sys_exit_is_a_500_and_the_server_carries_on(make_client):
    client = make_client()
    quits = HTTP_ERROR.replace("raise HTTPException(status_code=418, detail=\"no coffee: \" + text)",
                               "raise SystemExit(2)")
    deploy_wrapper(client, "quits", quits)
    response = client.post("/quits/run", json={"text": "a"})
    assert response.status_code == 500
    assert "Pipeline 'quits' failed: SystemExit" in response.json()["detail"]
    assert client.get("/status").status_code == 200


def test_http_exception_from_the_wrapper_keeps_its_status(make_client):
    client = make_client()
    deploy_wrapper(client, "teapot", HTTP_ERROR)
    response = client.post("/teapot/run", json={"text": "please"})
    assert (response.status_code, response.json()) == (418, {"detail": "no coffee: please"})


def test_run_endpoints_appear_in_openapi_with_their_schema(client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/shout/run"]["post"]
    assert operation["description"].startswith("Shout the text back")
    schema_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_schema = spec["components"]["schemas"][schema_ref.split("/")[-1]]
    assert request_schema["required"] == ["text"]
    assert request_schema["properties"]["text"]["description"] == "The text to shout."


def test_openapi_names_are_hayhooks_so_generated_clients_keep_their_method_and_model_names(client):
    spec = client.get("/openapi.json").json()
    operations = {(method, path): op["operationId"]
                  for path, ops in spec["paths"].items() for method, op in ops.items()}
    assert operations[("post", "/shout/run")] == "shout_run_shout_run_post"
    assert operations[("post", "/deploy_files")] == "pipeline_deploy"
    assert operations[("post", "/deploy-yaml")] == "yaml_pipeline_deploy"
    assert operations[("post", "/undeploy/{pipeline_name}")] == "pipeline_undeploy"
    assert operations[("get", "/status/{pipeline_name}")] == "status_pipeline"
    assert operations[("post", "/v1/chat/completions")] == "openai_chat_completions"
    assert operations[("get", "/v1/models")] == "openai_models"
    assert {"shoutRunRequest", "shoutRunResponse", "PipelineFilesRequest", "YamlDeployRequest", "ChatRequest"} <= set(
        spec["components"]["schemas"])


def test_docs_page_is_served(client):
    assert client.get("/docs").status_code == 200


def test_deployer_is_the_apps_own(client):
    assert isinstance(client.app.state.deployer, Deployer)


def test_a_result_of_a_plain_class_is_sent_as_its_fields_and_the_docs_still_work(make_client):
    client = make_client()
    source = '''
from hayhooks import BasePipelineWrapper

class Blob:
    def __init__(self, x):
        self.x = x

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, q: str) -> Blob:
        return Blob(q)
'''
    deploy_wrapper(client, "blob", source)
    assert client.post("/blob/run", json={"q": "x"}).json() == {"result": {"x": "x"}}
    assert client.get("/openapi.json").status_code == 200


def test_a_result_that_cannot_be_sent_as_json_is_a_500_saying_what_to_return(make_client):
    client = make_client()
    source = '''
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, q: str):
        return object()
'''
    deploy_wrapper(client, "opaque", source)
    answer = client.post("/opaque/run", json={"q": "x"})
    assert answer.status_code == 500
    assert "run_api returned a object, which cannot be sent as JSON" in answer.json()["detail"]
    with_files = source.replace("q: str", "q: str, files: list[UploadFile] | None = None").replace(
        "from hayhooks", "from fastapi import UploadFile\nfrom hayhooks")
    deploy_wrapper(client, "opaque_form", with_files)
    form = client.post("/opaque_form/run", data={"q": "x"}, files=[("files", ("a.txt", b"a"))])
    assert form.status_code == 500 and "cannot be sent as JSON" in form.json()["detail"]
