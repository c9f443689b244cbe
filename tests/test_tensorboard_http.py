"""A finished run's folder served by TensorBoard and read over HTTP, as the browser reads it:
the scalars, the filter and confusion-matrix images, the conv algorithm table and the HParams
view."""

import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from training import config_setup
from training.run import train
from tests.test_training import TINY_FIT

ROOT = Path(__file__).resolve().parent.parent
RUN = "tensorboard"  # the run's events folder, as TensorBoard names it under the run folder
SCALARS = {"train/loss", "train/loss_step", "train/acc", "train/lr", "val/loss", "val/acc",
           "test/loss", "test/acc"}
IMAGES = {"filters/first_conv", "test/confusion_matrix"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEADLINE_S = 60  # for TensorBoard to start and to load the run, on a busy machine


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    config_setup.register()
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose("train", overrides=[f"paths.output_dir={folder}", *TINY_FIT, "op=custom",
                                          "trainer.log_every_n_steps=1"])
    train(cfg)
    return folder


@pytest.fixture(scope="module")
def tensorboard(run_folder):
    """The URL of a TensorBoard serving `run_folder` (on a port the system picks; it prints
    the URL), stopped after the module's tests."""
    log = run_folder.parent / "tensorboard_server.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "tensorboard.main", "--logdir", str(run_folder),
             "--host", "127.0.0.1", "--port", "0", "--reload_interval", "1",
             "--load_fast", "false"],  # the Python loader, whose reload_interval applies
            stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        url = _poll(lambda: _served_url(log, server), "TensorBoard to start", log)
        yield url
    finally:
        server.kill()
        server.wait(timeout=30)


def _served_url(log: Path, server: subprocess.Popen) -> str | None:
    if server.poll() is not None:
        raise AssertionError(f"TensorBoard exited ({server.returncode}): {log.read_text()}")
    found = re.search(r"TensorBoard \S+ at (http://\S+/) ", log.read_text())
    return found and found.group(1)


def _poll(read, waiting_for: str, log: Path | None = None):
    """read()'s first truthy result; it is retried until DEADLINE_S has passed."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        result = read()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"waited {DEADLINE_S} s for {waiting_for}"
                         + (f": {log.read_text()}" if log else ""))


def _get(url: str, path: str, body: dict | None = None, **query) -> bytes:
    full = url.rstrip("/") + path + ("?" + urllib.parse.urlencode(query) if query else "")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(full, data=data,
                                     headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def _get_json(url: str, path: str, body: dict | None = None, **query):
    return json.loads(_get(url, path, body, **query))


def _tags_once_loaded(url: str, plugin: str, expected: set[str]) -> set[str]:
    """The run's tags of `plugin` ({run: {tag: ...}}, or {run: [tag, ...]} for text), once
    TensorBoard's reload has found `expected` among them (or all it found, at the deadline,
    for the assertion to name)."""
    def read() -> set[str]:
        return set(_get_json(url, f"/data/plugin/{plugin}/tags").get(RUN, ()))

    def loaded() -> set[str] | None:
        tags = read()
        return tags if expected <= tags else None

    try:
        return _poll(loaded, f"{plugin} tags")
    except AssertionError:
        return read()


def test_scalars_are_served_with_one_train_loss_point_per_epoch(tensorboard):
    assert SCALARS <= _tags_once_loaded(tensorboard, "scalars", SCALARS)
    series = {tag: _get_json(tensorboard, "/data/plugin/scalars/scalars", run=RUN, tag=tag)
              for tag in ("train/loss", "train/loss_step")}
    # Rows are [wall_time, step, value]: one epoch of three steps.
    assert [row[1] for row in series["train/loss"]] == [2]
    assert [row[1] for row in series["train/loss_step"]] == [0, 1, 2]


@pytest.mark.parametrize("tag", sorted(IMAGES))
def test_images_are_served_as_png(tensorboard, tag):
    assert tag in _tags_once_loaded(tensorboard, "images", IMAGES)
    images = _get_json(tensorboard, "/data/plugin/images/images", run=RUN, tag=tag)
    assert images
    # The browser fetches each image by the opaque query the listing gives it.
    png = _get(tensorboard, "/data/plugin/images/individualImage?" + images[-1]["query"])
    assert png.startswith(PNG_MAGIC) and len(png) > 100


def test_conv_algorithm_table_names_each_layer_and_its_algorithms(tensorboard, run_folder):
    tag = "conv_algorithms/text_summary"  # SummaryWriter.add_text's tag for "conv_algorithms"
    assert tag in _tags_once_loaded(tensorboard, "text", {tag})
    [entry] = _get_json(tensorboard, "/data/plugin/text/text", run=RUN, tag=tag)
    html = entry["text"]  # the markdown table, as the HTML the Text tab shows
    assert "<th>grad_weight</th>" in html
    layers = json.loads((run_folder / "algorithms.json").read_text())
    assert layers
    for layer in layers:
        row = "".join(f"<td>{layer[column]}</td>\n"
                      for column in ("forward", "grad_input", "grad_weight"))
        assert f"<td>{layer['layer']}</td>\n" in html and row in html


def test_hparams_view_compares_the_run_by_its_settings_and_metrics(tensorboard):
    def experiment():
        found = _get_json(tensorboard, "/data/plugin/hparams/experiment", {"experimentName": ""})
        return found if found.get("hparamInfos") else None

    described = _poll(experiment, "the HParams experiment")
    assert {"model", "backend", "algorithm", "data", "seed"} <= {
        info["name"] for info in described["hparamInfos"]}
    assert {info["name"]["tag"] for info in described["metricInfos"]} == {
        "val/acc", "val/loss", "test/acc", "test/loss"}
    # The table view's request, as the browser sends it.
    groups = _get_json(tensorboard, "/data/plugin/hparams/session_groups", {
        "experimentName": "", "startIndex": 0, "sliceSize": 100, "colParams": [],
        "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE",
                            "STATUS_RUNNING"]})
    [group] = groups["sessionGroups"]
    assert group["hparams"]["model"] == "lenet" and group["hparams"]["backend"] == "custom"
    assert {value["name"]["tag"] for value in group["metricValues"]} == {
        "val/acc", "val/loss", "test/acc", "test/loss"}
