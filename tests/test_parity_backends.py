"""parity.backends picks any two backends; the default stays native against custom."""

import pytest

from training.errors import UserError
from training.parity import run_parity

FAKE = ["data=fake", "model=lenet", "data.batch_size=16", "data.train_size=32",
        "data.test_size=16", "trainer.max_epochs=1", "trainer.accelerator=cpu",
        "trainer.enable_progress_bar=false", "parity.tolerance=100"]


def test_default_pair_is_native_and_custom(compose_config):
    assert list(compose_config(config_name="parity").parity.backends) == ["native", "custom"]


def test_custom_against_python(compose_config, tmp_path):
    report = run_parity(compose_config(*FAKE, "parity.backends=[custom,python]",
                                       config_name="parity"))
    runs = {run["backend"]: run for run in report["runs"]}
    assert set(runs) == {"custom", "python"} and report["summary"]["backends"] == ["custom", "python"]
    assert report["summary"]["passed"], report["summary"]
    python = runs["python"]["op_counts"]
    assert python["python_calls"] == 5 and python["convlab_calls"] == python["torch_calls"] == 0
    # Same start, same data: the python backend ends where convlab's does, give or take one
    # of the 16 test images (float32 rounding differs between the two).
    assert abs(runs["python"]["test_acc"] - runs["custom"]["test_acc"]) <= 1 / 16
    assert "Mean difference (python - custom)" in (tmp_path / "parity.md").read_text()


@pytest.mark.parametrize("pair", ["[custom]", "[custom,custom]", "[custom,cudnn]"])
def test_a_bad_pair_is_refused(compose_config, pair):
    with pytest.raises(UserError, match="parity.backends must name two different backends"):
        run_parity(compose_config(*FAKE, f"parity.backends={pair}", config_name="parity"))
