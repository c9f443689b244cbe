"""Typed configs: a wrong type or a misspelt key fails at compose time naming the key, an
appended unknown key or a value outside the schema fails before setup naming it, and a
preset that needs a GPU says so at once on a machine without one."""

import re

import pytest
import torch
from hydra.errors import ConfigCompositionException

from training.config_checks import check_config
from training.errors import UserError


@pytest.mark.parametrize("override,expected_type", [
    ("trainer.max_epochs=abc", "Integer"), ("seed=x", "Integer"), ("model.width=wide", "Float"),
    ("data.batch_size=big", "Integer"), ("optimizer.lr=fast", "Float"),
    ("scheduler.pct_start=x", "Float"), ("trainer.enable_progress_bar=maybe", "bool"),
    ("parity.tolerance=x", "Float"),
])
def test_wrong_types_fail_at_compose_naming_key_and_type(compose_config, override,
                                                         expected_type):
    with pytest.raises(ConfigCompositionException) as error:
        compose_config(override, config_name="parity")
    assert override in str(error.value) and expected_type in str(error.value.__cause__)


def test_misspelt_key_fails_at_compose(compose_config):
    with pytest.raises(ConfigCompositionException) as error:
        compose_config("trainer.max_epoch=1")
    assert "max_epoch" in str(error.value.__cause__)


def test_appended_unknown_key_fails_before_setup_naming_it(compose_config):
    with pytest.raises(UserError, match=r"unknown key 'trainer.max_epoch' \(TrainerConfig has: "):
        check_config(compose_config("+trainer.max_epoch=1"))


@pytest.mark.parametrize("override,key", [
    ("trainer.limit_train_batches=1.5", "trainer.limit_train_batches"),
    ("trainer.limit_val_batches=-2", "trainer.limit_val_batches"),
    ("op.backend=cudnn", "op.backend"), ("scheduler.name=linear", "scheduler.name"),
])
def test_values_outside_the_schema_fail_naming_the_key(compose_config, override, key):
    with pytest.raises(UserError, match=re.escape(key)):
        check_config(compose_config(override))


@pytest.mark.parametrize("preset", ["gpu", "ddp"])
def test_gpu_presets_fail_at_once_without_a_gpu(compose_config, monkeypatch, preset):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(UserError, match=r"trainer.accelerator=gpu .* needs a GPU .* trainer=cpu"):
        check_config(compose_config(f"trainer={preset}"))
