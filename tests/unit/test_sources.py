import pytest

from hayhooks.pipelines.sources import check_file_names, check_name, read_folder, write_folder


@pytest.mark.parametrize("name", ["chat", "my_pipeline", "rag-v2", "A1", "my.pipe", "docs", "messages", "status"])
def test_valid_names_pass(name):
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", "has space", "../etc", "..", ".hidden", "a/b", "-lead", "x" * 65])
def test_invalid_names_are_refused(name):
    with pytest.raises(ValueError, match="letters, digits"):
        check_name(name)


def test_the_one_name_whose_run_path_is_the_servers_own_is_refused():
    with pytest.raises(ValueError, match="reserved"):
        check_name("undeploy")  # POST /undeploy/run: this pipeline's run, or the undeploy of a pipeline "run"


@pytest.mark.parametrize("key", ["../evil.py", "/etc/passwd", "a/../../b", "win\\path.py"])
def test_file_names_cannot_escape_the_folder(key):
    with pytest.raises(ValueError, match="relative path inside"):
        check_file_names({key: ""})


def test_written_folder_reads_back_the_same_files(tmp_path):
    files = {"pipeline_wrapper.py": "x = 1\n", "sub/helper.py": "y = 2\n"}
    write_folder(tmp_path / "p", files)
    assert read_folder(tmp_path / "p") == files


def test_reading_skips_caches(tmp_path):
    write_folder(tmp_path / "p", {"a.py": "", "__pycache__/a.cpython-311.pyc": "junk"})
    assert list(read_folder(tmp_path / "p")) == ["a.py"]
