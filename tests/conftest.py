import pytest
import torch


@pytest.fixture(autouse=True)
def exact_cuda_math():
    """Compare against torch in full float32 on the GPU and its emulation (which rounds to
    TF32 when cuDNN's switch allows it): TF32 off for both backends."""
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


@pytest.fixture(autouse=True)
def fresh_compile_caches():
    """Every test compiles from scratch: after a few compiles of one forward (say
    nn.Sequential's) dynamo stops recompiling it, and a later fullgraph=True compile of
    another model would find no frame to compile."""
    yield
    torch._dynamo.reset()


@pytest.fixture
def compose_config(tmp_path):
    """Compose configs/train.yaml (or `config_name`) like train.py does, outputs in tmp_path."""
    from pathlib import Path

    from hydra import compose, initialize_config_dir

    from training import config_setup

    config_setup.register()
    config_dir = str(Path(__file__).resolve().parent.parent / "configs")

    def _compose(*overrides, config_name="train"):
        with initialize_config_dir(config_dir=config_dir, version_base="1.3"):
            return compose(config_name, overrides=[f"paths.output_dir={tmp_path}", *overrides])

    return _compose


@pytest.fixture
def data_root():
    """The real datasets (../shared/data or $DATA_ROOT); tests skip, naming the folder, without."""
    import os
    from pathlib import Path

    root = Path(os.environ.get("DATA_ROOT", Path(__file__).resolve().parents[2] / "shared" / "data"))
    if not (root / "MNIST" / "raw").is_dir() or not (root / "cifar10-jpg").is_dir():
        pytest.skip(f"real data not found at {root} (set DATA_ROOT)")
    return root
