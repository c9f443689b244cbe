"""Typed schemas for every config group, registered in Hydra's ConfigStore as
`schema/<group>/<name>` and named first in each YAML file's defaults
(`- /schema/model/lenet@_here_`). A wrong type or an unknown key then fails when
Hydra composes the config, naming the key, before any data or model is set up.

Adding a setting to a group means adding a field here (with its default) and, where the
group's YAML files differ, in their files too."""

from dataclasses import dataclass, field
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


@dataclass
class PathsConfig:
    root_dir: str = MISSING
    data_dir: str = MISSING
    log_dir: str = MISSING
    output_dir: str = MISSING


@dataclass
class OpConfig:
    backend: str = MISSING  # native | custom | python
    algorithm: str = "auto"  # custom only: one of ops.CONV2D_ALGORITHMS
    benchmark: bool = False  # time the conv algorithms once per shape, keep the fastest
    # Also run the model's torch.nn.functional conv/pool calls on the backend
    # (`with ops.backend(...)`), not only its layers.
    functional: bool = False


@dataclass
class ModelConfig:
    name: str = MISSING
    batch_norm: bool = False
    width: float = 1.0


@dataclass
class LeNetConfig(ModelConfig):
    activation: str = "relu"
    pooling: str = "max"


@dataclass
class AlexNetConfig(ModelConfig):
    dropout: float = 0.5


@dataclass
class GoogLeNetConfig(ModelConfig):
    dropout: float = 0.2


@dataclass
class DataConfig:
    _target_: str = MISSING
    name: str = MISSING
    batch_size: int = 128
    num_workers: int = 2
    val_fraction: float = 0.1
    split_seed: int = 0


@dataclass
class DownloadableDataConfig(DataConfig):
    root: str = MISSING
    download: bool = True


@dataclass
class CIFAR10Config(DownloadableDataConfig):
    augment: bool = True


@dataclass
class ImageFolderConfig(DataConfig):
    root: str = MISSING
    image_size: int = 32
    in_channels: int = 3
    augment: bool = True
    mean: Optional[list[float]] = None
    std: Optional[list[float]] = None


@dataclass
class FakeDataConfig(DataConfig):
    num_classes: int = 10
    in_channels: int = 3
    image_size: int = 32
    train_size: int = 256
    test_size: int = 64


@dataclass
class SGDConfig:
    _target_: str = "torch.optim.SGD"
    _partial_: bool = True
    lr: float = 0.05
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5.0e-4


@dataclass
class AdamWConfig:
    _target_: str = "torch.optim.AdamW"
    _partial_: bool = True
    lr: float = 1.0e-3
    weight_decay: float = 0.05


@dataclass
class NoScheduleConfig:
    name: str = "none"


@dataclass
class OneCycleConfig:
    name: str = "onecycle"
    pct_start: float = 0.25


@dataclass
class CosineConfig:
    name: str = "cosine"
    eta_min: float = 0.0


@dataclass
class StepScheduleConfig:
    name: str = "step"
    step_size: int = 30
    gamma: float = 0.1


@dataclass
class TrainerConfig:
    _target_: str = "lightning.pytorch.Trainer"
    accelerator: str = "auto"
    # Lightning takes an int, a list of device ids or "auto".
    devices: Any = 1
    strategy: str = "auto"
    num_nodes: int = 1  # machines of a DDP run (docs/training.md: DDP on several machines)
    sync_batchnorm: bool = False
    # Lightning's precision: "32-true", "64-true", "bf16-mixed" (CPU and GPU autocast: convlab's
    # conv runs in bfloat16 through its autocast kernels), "16-mixed" (GPU only).
    precision: str = "32-true"
    # true: the same seed gives bit-identical weights and metrics (torch's deterministic
    # algorithms; convlab's kernels are deterministic on every device anyway).
    deterministic: bool = False
    max_epochs: int = 10
    # An int is a number of batches, a float in [0, 1] a fraction, null all batches; OmegaConf
    # has no int-or-float type, so training.config_checks checks these.
    limit_train_batches: Any = None
    limit_val_batches: Any = None
    limit_test_batches: Any = None
    fast_dev_run: Any = False  # true, or a number of batches
    log_every_n_steps: int = 10
    enable_progress_bar: bool = True
    default_root_dir: str = MISSING


@dataclass
class LoggerConfig:
    _target_: str = MISSING
    save_dir: str = MISSING
    name: str = MISSING
    version: str = ""


@dataclass
class TensorBoardConfig(LoggerConfig):
    default_hp_metric: bool = False


@dataclass
class TrainConfig:
    seed: int = 0
    train: bool = True
    ckpt_path: Optional[str] = None
    # checkpoints/last.ckpt is rewritten every this many training steps (0: only at the end of
    # each epoch) and at every epoch's end: a killed run resumes from it.
    checkpoint_every_n_steps: int = 200
    # torch.compile the LightningModule (inductor); checkpoints stay loadable without it.
    compile: bool = False
    paths: PathsConfig = field(default_factory=PathsConfig)
    # The groups are typed by their own schemas (above), chosen by each group's YAML file.
    model: Any = MISSING
    op: Any = MISSING
    data: Any = MISSING
    optimizer: Any = MISSING
    scheduler: Any = MISSING
    trainer: Any = MISSING
    logger: Any = MISSING


@dataclass
class ParityConfig:
    # The two backends compared: the first one's model is built, the second gets its weights.
    backends: list[str] = field(default_factory=lambda: ["native", "custom"])
    seeds: list[int] = field(default_factory=lambda: [0])
    tolerance: float = 1.0


@dataclass
class ParityRunConfig(TrainConfig):
    parity: ParityConfig = field(default_factory=ParityConfig)


@dataclass
class EvolutionConfig:
    # The models trained, in this order; each is configured by `configs.<name>` (a model
    # group config, composed by configs/evolution.yaml).
    models: list[str] = field(default_factory=lambda: [
        "lenet", "alexnet", "vgg11", "vgg16", "googlenet", "resnet18", "resnet34"])
    # Trained one after the other from one initialisation (copied); delta is second - first.
    backends: list[str] = field(default_factory=lambda: ["native", "custom"])
    configs: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvolutionRunConfig(TrainConfig):
    evolution: EvolutionConfig = field(default_factory=EvolutionConfig)


@dataclass
class ProveConfig:
    # A Python file imported first, so that it can register the algorithm to prove.
    module: Optional[str] = None
    # Skip the parity run and the speed table.
    quick: bool = False
    # "full" or "small" (every fifth case of the full grid).
    grid: str = "full"
    # Stop at the first failing check.
    fail_fast: bool = False
    fuzz_examples: int = 200
    seed: int = 0
    # Batch size of the speed table's layers (those of model.name at this batch).
    speed_batch: int = 32


@dataclass
class ProveRunConfig(ParityRunConfig):
    # What to prove, exactly one: a registered conv2d algorithm, a backend's conv2d, or an
    # exercise (exercises/<name>.py, graded).
    algorithm: Optional[str] = None
    backend: Optional[str] = None
    exercise: Optional[str] = None
    prove: ProveConfig = field(default_factory=ProveConfig)


GROUP_SCHEMAS = {
    "paths": {"paths": PathsConfig},
    "op": {"op": OpConfig},
    "model": {"lenet": LeNetConfig, "alexnet": AlexNetConfig, "vgg": ModelConfig,
              "googlenet": GoogLeNetConfig, "resnet": ModelConfig},
    "data": {"mnist": DownloadableDataConfig, "cifar10": CIFAR10Config,
             "imagefolder": ImageFolderConfig, "fake": FakeDataConfig},
    "optimizer": {"sgd": SGDConfig, "adamw": AdamWConfig},
    "scheduler": {"none": NoScheduleConfig, "onecycle": OneCycleConfig, "cosine": CosineConfig,
                  "step": StepScheduleConfig},
    "trainer": {"trainer": TrainerConfig},
    "logger": {"tensorboard": TensorBoardConfig, "csv": LoggerConfig},
}


def register_schemas() -> None:
    store = ConfigStore.instance()
    store.store(name="train_schema", node=TrainConfig)
    store.store(name="parity_schema", node=ParityRunConfig)
    store.store(name="evolution_schema", node=EvolutionRunConfig)
    store.store(name="prove_schema", node=ProveRunConfig)
    for group, schemas in GROUP_SCHEMAS.items():
        for name, schema in schemas.items():
            # A group of its own, so `--help` lists the schemas apart from the options.
            store.store(group=f"schema/{group}", name=name, node=schema)
