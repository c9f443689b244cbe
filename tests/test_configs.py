import itertools

import pytest
from omegaconf import OmegaConf

MODELS = ["lenet", "alexnet", "vgg11", "vgg13", "vgg16", "vgg19", "googlenet", "resnet18",
          "resnet34"]
OPS = ["native", "custom", "python"]
DATA = ["mnist", "cifar10", "imagefolder", "fake"]


@pytest.mark.parametrize("model,op,data", list(itertools.product(MODELS, OPS, DATA)))
def test_every_model_op_data_combination_composes(compose_config, model, op, data):
    cfg = compose_config(f"model={model}", f"op={op}", f"data={data}")
    OmegaConf.resolve(cfg)
    assert cfg.model.name == model and cfg.op.backend == op and cfg.data.name == data


@pytest.mark.parametrize("experiment", ["lenet_mnist", "vgg16_cifar10", "alexnet_cifar10"])
def test_experiments_compose(compose_config, experiment):
    cfg = compose_config(f"experiment={experiment}")
    OmegaConf.resolve(cfg)
    assert cfg.trainer.max_epochs >= 20


@pytest.mark.parametrize("trainer", ["default", "cpu", "gpu", "ddp"])
@pytest.mark.parametrize("logger", ["tensorboard", "csv"])
@pytest.mark.parametrize("optimizer,scheduler", [("sgd", "onecycle"), ("adamw", "cosine"),
                                                 ("sgd", "step"), ("adamw", "none")])
def test_trainer_logger_and_optim_groups_compose(compose_config, trainer, logger, optimizer,
                                                 scheduler):
    cfg = compose_config(f"trainer={trainer}", f"logger={logger}", f"optimizer={optimizer}",
                         f"scheduler={scheduler}")
    OmegaConf.resolve(cfg)
    assert cfg.scheduler.name == scheduler


def test_documented_overrides_apply(compose_config):
    cfg = compose_config("model=vgg11", "op=native", "data=cifar10", "data.root=/somewhere",
                         "trainer.max_epochs=7", "trainer.limit_train_batches=0.1",
                         "trainer.accelerator=cpu", "seed=3")
    assert (cfg.data.root, cfg.trainer.max_epochs, cfg.trainer.limit_train_batches,
            cfg.trainer.accelerator, cfg.seed) == ("/somewhere", 7, 0.1, "cpu", 3)


def test_run_ids_differ_between_runs(compose_config):
    compose_config()  # registers the resolver as train.py does
    assert OmegaConf.create({"a": "${run_id:}"}).a != OmegaConf.create({"a": "${run_id:}"}).a
