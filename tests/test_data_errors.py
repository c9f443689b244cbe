"""Data that is missing or fails to download: the error names the alternative that works
(CIFAR-10's JPEG copy), and a failed download removes what it created."""

from pathlib import Path

import pytest

from training.errors import UserError
from training.run import train


def test_missing_cifar10_batches_name_the_jpeg_copy(compose_config, tmp_path):
    (tmp_path / "data" / "cifar10-jpg").mkdir(parents=True)
    with pytest.raises(UserError) as error:
        train(compose_config("data=cifar10", f"data.root={tmp_path}/data", "data.download=false"))
    assert f"data=imagefolder data.root={tmp_path}/data/cifar10-jpg" in str(error.value)
    assert "../shared/data" not in str(error.value)


@pytest.mark.parametrize("root_exists", [False, True])
def test_a_failed_download_removes_what_it_created(compose_config, monkeypatch, tmp_path,
                                                   root_exists):
    import training.data

    def offline_mnist(root, download, **_):
        (Path(root) / "MNIST" / "raw").mkdir(parents=True)
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(training.data.datasets, "MNIST", offline_mnist)
    shared = tmp_path / "shared"
    if root_exists:
        (shared / "data").mkdir(parents=True)
    with pytest.raises(UserError, match="could not be downloaded"):
        train(compose_config("data=mnist", f"data.root={shared}/data",
                             f"paths.output_dir={tmp_path}/run"))
    assert sorted(tmp_path.rglob("*")) == ([shared, shared / "data"] if root_exists else [])
