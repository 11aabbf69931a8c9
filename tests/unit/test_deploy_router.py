"""Deploy and undeploy over HTTP with Hayhooks' paths and bodies."""

from pathlib import Path

import pytest

WRAPPER = """
from hayhooks import BasePipelineWrapper

class PipelineWrapper(BasePipelineWrapper):
    def setup(self):
        self.pipeline = None

    def run_api(self, text: str) -> str:
        return "{version}:" + text
"""


def files(version: str = "v1") -> dict[str, str]:
    return {"pipeline_wrapper.py": WRAPPER.replace("{version}", version)}


@pytest.mark.parametrize("path", ["/deploy_files", "/deploy-files"])
def test_deploy_files_serves_the_pipeline(make_client, path):
    client = make_client()
    response = client.post(path, json={"name": "echo", "files": files(), "save_files": False})
    assert response.json() == {"name": "echo", "success": True, "endpoint": "/echo/run"}
    assert client.post("/echo/run", json={"text": "a"}).json() == {"result": "v1:a"}
    assert client.get("/status").json()["pipelines"] == ["echo"]


def test_deploy_saves_files_in_the_pipelines_dir_by_default(make_client, tmp_path):
    client = make_client(tmp_path / "pl")
    client.post("/deploy_files", json={"name": "echo", "files": files()})
    assert (tmp_path / "pl" / "echo" / "pipeline_wrapper.py").read_text() == files()["pipeline_wrapper.py"]


UNDEFINED_ANNOTATION = """
from hayhooks import BasePipelineWrapper


class PipelineWrapper(BasePipelineWrapper):
    def setup(self) -> None:
        pass

    def run_api(self, text: "Undefined") -> str:
        return text
"""


def test_a_run_api_annotated_with_an_undefined_name_is_refused_at_deploy(make_client):
    client = make_client()
    body = {"name": "odd", "files": {"pipeline_wrapper.py": UNDEFINED_ANNOTATION}, "save_files": False}
    response = client.post("/deploy_files", json=body)
    assert response.status_code == 422
    assert "'Undefined'" in response.json()["detail"]
    assert client.post("/odd/run", json={"text": "a"}).status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_deploying_an_existing_name_without_overwrite_is_409(make_client):
    client = make_client()
    client.post("/deploy_files", json={"name": "echo", "files": files(), "save_files": False})
    response = client.post("/deploy_files", json={"name": "echo", "files": files("v2"), "save_files": False})
    assert response.status_code == 409
    assert "overwrite" in response.json()["detail"]
    assert client.post("/echo/run", json={"text": "a"}).json()["result"] == "v1:a"


def test_overwrite_replaces_the_running_version(make_client):
    client = make_client()
    client.post("/deploy_files", json={"name": "echo", "files": files(), "save_files": False})
    client.post("/deploy_files", json={"name": "echo", "files": files("v2"), "overwrite": True, "save_files": False})
    assert client.post("/echo/run", json={"text": "a"}).json()["result"] == "v2:a"


def test_broken_wrapper_is_422_naming_file_and_line_and_others_keep_serving(client):
    broken = {"pipeline_wrapper.py": "from hayhooks import BasePipelineWrapper\n\nclass PipelineWrapper(:\n"}
    response = client.post("/deploy_files", json={"name": "broken", "files": broken, "save_files": False})
    assert response.status_code == 422
    assert response.json()["location"] == "pipeline_wrapper.py:3"
    assert "SyntaxError" in response.json()["detail"]
    assert client.post("/shout/run", json={"text": "ok"}).status_code == 200
    assert "broken" not in client.get("/status").json()["pipelines"]


def test_failed_overwrite_keeps_the_old_version(make_client):
    client = make_client()
    client.post("/deploy_files", json={"name": "echo", "files": files(), "save_files": False})
    broken = {"pipeline_wrapper.py": "import no_such_module_x\n"}
    response = client.post("/deploy_files", json={"name": "echo", "files": broken, "overwrite": True})
    assert response.status_code == 422
    assert client.post("/echo/run", json={"text": "a"}).json()["result"] == "v1:a"


def test_files_without_pipeline_wrapper_are_422(make_client):
    response = make_client().post("/deploy_files", json={"name": "x", "files": {"other.py": ""}})
    assert response.status_code == 422
    assert "pipeline_wrapper.py" in str(response.json()["detail"])


def test_file_names_escaping_the_folder_are_422(make_client):
    body = {"name": "x", "files": {**files(), "../../evil.py": "print(1)"}}
    response = make_client().post("/deploy_files", json=body)
    assert response.status_code == 422
    assert "relative path inside" in str(response.json()["detail"])


def test_bad_pipeline_name_is_422(make_client):
    response = make_client().post("/deploy_files", json={"name": "a/b", "files": files()})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]


def test_deploy_yaml_serves_the_pipeline(make_client, tmp_path):
    source = (Path(__file__).parents[2] / "examples" / "pipelines" / "greet.yml").read_text()
    client = make_client(tmp_path / "pl")
    response = client.post("/deploy-yaml", json={"name": "hello", "source_code": source})
    assert response.status_code == 200, response.text
    assert client.post("/hello/run", json={"name": "A", "place": "B"}).status_code == 200
    assert (tmp_path / "pl" / "hello.yml").read_text() == source


def test_deploy_yaml_with_skip_mcp_is_served_but_not_a_tool(make_client):
    from hayhooks.mcp.tools import exposed

    source = (Path(__file__).parents[2] / "examples" / "pipelines" / "greet.yml").read_text()
    client = make_client()
    for name, skip in (("hidden", True), ("shown", False)):
        body = {"name": name, "source_code": source, "skip_mcp": skip, "save_file": False}
        assert client.post("/deploy-yaml", json=body).status_code == 200
    assert client.post("/hidden/run", json={"name": "A", "place": "B"}).status_code == 200
    assert [d.name for d in exposed(client.app.state.registry)] == ["shown"]


def test_deploy_yaml_without_declared_io_is_422(make_client):
    response = make_client().post("/deploy-yaml", json={"name": "y", "source_code": "components: {}\n"})
    assert response.status_code == 422
    assert "inputs" in response.json()["detail"]


def test_undeploy_removes_route_and_saved_files(make_client, tmp_path):
    client = make_client(tmp_path / "pl")
    client.post("/deploy_files", json={"name": "echo", "files": files()})
    assert client.post("/undeploy/echo").json() == {"success": True, "name": "echo"}
    assert client.post("/echo/run", json={"text": "a"}).status_code == 404
    assert not (tmp_path / "pl" / "echo").exists()
    assert "/echo/run" not in client.get("/openapi.json").json()["paths"]


def test_undeploy_keeps_files_the_user_put_in_the_pipelines_dir(client, examples_dir):
    assert client.post("/undeploy/shout").status_code == 200
    assert (examples_dir / "shout" / "pipeline_wrapper.py").is_file()


def test_undeploy_unknown_is_404(make_client):
    response = make_client().post("/undeploy/ghost")
    assert response.status_code == 404
    assert response.json()["detail"] == "Pipeline 'ghost' not found"


def test_deploy_can_be_disabled(make_client):
    client = make_client(disable_http_deploy=True)
    response = client.post("/deploy_files", json={"name": "echo", "files": files()})
    assert response.status_code == 403
    assert "HAYHOOKS_DISABLE_HTTP_DEPLOY" in response.json()["detail"]
    assert client.post("/undeploy/echo").status_code == 403


def test_a_scratch_folder_is_made_only_for_a_deploy_over_http_and_removed_at_shutdown(make_client, tmp_path,
                                                                                        monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    client = make_client()
    assert list(scratch.iterdir()) == []  # an app that deploys nothing over HTTP leaves nothing behind
    assert client.post("/deploy_files", json={"name": "echo", "files": files(), "save_files": False}).status_code == 200
    assert len(list(scratch.iterdir())) == 1
    client.__exit__(None, None, None)
    assert list(scratch.iterdir()) == []
