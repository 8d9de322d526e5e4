"""The `textml` command in process, where no Ray is needed: an example in every --help, `k8s render` with no
argument, `model prepare` from each kind of source and its one-line refusals, and how `up`/`run` report
progress and a model that can't load."""

import argparse
import shutil
import socket
import tarfile
import zipfile
from pathlib import Path

import pytest
from transformers import BertConfig

from helpers.paths import MANIFESTS, ROOT, SERVE_CONFIG
from textml.cli.local import ServiceError, checked_config, failure, model_load_error, progress
from textml.cli.main import main, parser
from textml.cli.run import check_ports_free
from textml.engines.conversion import cache_path, default_compute_type
from textml.exceptions import ModelLoadError


def commands(command: argparse.ArgumentParser, name: str = "textml"):
    """Every command and subcommand's parser, with its name."""
    yield name, command
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from commands(sub, f"{name} {sub_name}")


COMMANDS = dict(list(commands(parser()))[1:])


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_an_example_in_its_help(name):
    help_text = COMMANDS[name].format_help()
    assert "\nexample:\n  " in help_text and name in help_text.split("\nexample:\n")[1], help_text


def test_k8s_render_without_arguments_renders_the_committed_profiles(tmp_path, monkeypatch, capsys):
    """What `make manifests` runs: the same manifests as the committed ones."""
    monkeypatch.chdir(ROOT)
    assert main(["k8s", "render", "--out-dir", str(tmp_path)]) == 0
    for manifest in MANIFESTS:
        assert (tmp_path / manifest.name).read_text() == manifest.read_text(), manifest.name


def archived(checkpoint: str, into, kind: str):
    """The checkpoint packed as a user would receive it: a folder inside an archive."""
    if kind == "directory":
        return checkpoint
    if kind == "zip":
        path = into / "t5.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for file in sorted(p for p in Path(checkpoint).iterdir()):
                archive.write(file, f"t5/{file.name}")
        return str(path)
    path = into / "t5.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        archive.add(checkpoint, arcname="t5")
    return str(path)


@pytest.mark.parametrize("kind", ["directory", "tar.gz", "zip"])
def test_model_prepare_unpacks_checks_and_converts(tiny_models, tmp_path, kind, capsys):
    source = archived(tiny_models[0], tmp_path, kind)
    target = tmp_path / "models" / "t5"
    assert main(["model", "prepare", source, str(target)]) == 0, capsys.readouterr().err
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in Path(tiny_models[0]).iterdir())
    # Converted ahead of time, where the replicas will look for it.
    assert (cache_path(str(target.resolve()), default_compute_type()) / "model.bin").is_file()
    assert f"make run MODEL={target}" in capsys.readouterr().out


def test_model_prepare_refuses_in_one_line(tiny_models, tmp_path, capsys):
    BertConfig().save_pretrained(tmp_path / "bert")
    cases = [
        (["model", "prepare", str(tmp_path / "nothing.tar.gz"), str(tmp_path / "a")], "no file or directory"),
        (
            ["model", "prepare", str(tmp_path / "bert"), str(tmp_path / "b")],
            "is a 'bert' checkpoint (its config.json's model_type); textml serves t5",
        ),
        (["model", "prepare", tiny_models[0], tiny_models[1]], "already exists: name a new directory"),
    ]
    broken = tmp_path / "broken"
    shutil.copytree(tiny_models[0], broken)
    (broken / "model.safetensors").write_bytes(b"\0" * 64)
    cases.append((["model", "prepare", str(broken), str(tmp_path / "c")], "does not load with this transformers"))
    for argv, words in cases:
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("textml: ") and words in err, err
    assert not (tmp_path / "c").exists()


def test_a_missing_model_directory_is_refused_before_deploying():
    with pytest.raises(ServiceError) as raised:
        checked_config(str(SERVE_CONFIG), "./models/t5-small")
    assert str(raised.value).startswith("cannot load model './models/t5-small': there is no directory models/t5-small")


def test_a_model_directory_is_given_to_the_replicas_by_its_absolute_path(tiny_models, monkeypatch):
    monkeypatch.chdir(Path(tiny_models[0]).parent)
    config = checked_config(str(SERVE_CONFIG), "tiny-t5-a")
    models = {
        d["user_config"]["model"]
        for a in config["applications"]
        for d in a.get("deployments", [])
        if "model" in d.get("user_config", {})
    }
    assert models == {tiny_models[0]}


# A deployment's message as Serve's controller keeps it while a replica fails to start (shortened).
FAILING = (
    "A replica failed to start with exception. Retrying 2 more time(s). Error:\n"
    "ray::ServeReplica:text_ml_app:Translator.initialize_and_get_metadata() (pid=1, ip=127.0.0.1)\n"
    '  File "/src/textml/models/deployment.py", line 51, in reconfigure\n'
    f"textml.exceptions.{ModelLoadError.__name__}: "
    + str(ModelLoadError("t5-small", "the Hugging Face hub is not reachable", "serve a local directory"))
)


def test_a_model_load_error_is_the_one_line_reported():
    assert (
        model_load_error(FAILING)
        == "cannot load model 't5-small': the Hugging Face hub is not reachable. Fix: serve a local directory"
    )
    assert model_load_error("The deployment failed to start 3 times in a row.") is None
    app = {
        "status": "DEPLOYING",
        "deployments": {"Translator": {"status": "UPDATING", "message": FAILING, "replicas": []}},
    }
    assert failure("text_ml_app", app) == f"text_ml_app failed to deploy: Translator: {model_load_error(FAILING)}"


def test_progress_is_one_line_naming_what_is_not_running_yet():
    applications = {
        "text_ml_app": {
            "status": "DEPLOYING",
            "deployments": {
                "Translator": {"status": "UPDATING", "replicas": [{"state": "STARTING"}]},
                "Summarizer": {"status": "HEALTHY", "replicas": [{"state": "RUNNING"}]},
            },
        },
        "fruit_app": {"status": "RUNNING", "deployments": {}},
    }
    wanted = {"text_ml_app": {}, "fruit_app": {}, "math_app": {}}
    assert (
        progress(applications, wanted)
        == "text_ml_app DEPLOYING (Translator 0/1), fruit_app RUNNING, math_app NOT_STARTED"
    )


def test_run_refuses_a_port_another_server_holds():
    """Serve's proxy would never bind it and the apps would never run: `textml run` says so before starting Ray."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with pytest.raises(ServiceError, match=f"port {port} is taken"):
            check_ports_free({"http_options": {"port": port}})
    check_ports_free({"http_options": {"port": port}})  # closed: free again
