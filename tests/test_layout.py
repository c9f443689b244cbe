"""The layout's promises: conv2d algorithms come from their own files' registrations, sources
are found without a list, every backend is generated from one family table, and what a
backend lacks raises NotImplementedError naming it."""

import re
from pathlib import Path

import pytest
import torch
import torch.nn as nn

import ops
from ops import _extension
from ops.layer_family import LayerFamily
from ops.layers import CLASSES, FAMILIES, FUNCTIONS, LAYER_CLASS_NAMES

CSRC = Path(__file__).resolve().parent.parent / "csrc"


def test_the_algorithm_list_is_what_the_sources_register():
    registered = set()
    for path in CSRC.rglob("*.cpp"):
        registered |= set(re.findall(r'CONVLAB_CONV2D_ALGORITHM\(\s*\w+,\s*\{\s*"(\w+)"',
                                     path.read_text()))
    assert registered and ops.CONV2D_ALGORITHMS == ("auto", *sorted(registered))


def test_an_unknown_algorithm_lists_the_registered_ones():
    x, w = torch.empty(1, 2, 5, 5, device="meta"), torch.empty(2, 2, 3, 3, device="meta")
    with pytest.raises(ValueError) as error:
        torch.ops.convlab.conv2d_algorithm(x, w, [1, 1], [0, 0], [1, 1], 1, "cudnn")
    for name in ops.CONV2D_ALGORITHMS:
        assert f"'{name}'" in str(error.value)


def test_gradient_algorithms_come_from_the_registry():
    # Every built-in algorithm computes both gradients itself (Winograd's grad_weight too, as
    # F(3x3, 4x4)); a Python algorithm without a grad_weight borrows im2col's
    # (tests/test_register_algorithm.py).
    for name in ops.CONV2D_ALGORITHMS[1:]:
        assert ops.backward_algorithms(name) == {"grad_input": name, "grad_weight": name}


def test_sources_are_found_by_folder_and_names_must_differ(tmp_path, monkeypatch):
    for relative in ("conv2d/new.cpp", "conv2d/cuda/new.cu", "pool2d/cuda/entry.cpp"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("")
    monkeypatch.setattr(_extension, "CSRC", tmp_path)
    monkeypatch.setattr(_extension, "ROOT", tmp_path)
    assert [Path(s).relative_to(tmp_path).as_posix() for s in _extension.sources(False)] == [
        "conv2d/new.cpp"]
    assert len(_extension.sources(True)) == 3  # a .cu and a .cpp of one name are two objects
    (tmp_path / "pool2d" / "new.cpp").write_text("")
    with pytest.raises(_extension.ExtensionBuildError, match="share the name 'new.cpp'"):
        _extension.sources(False)


def test_every_family_row_generates_its_functions_and_classes():
    for family in FAMILIES:
        for backend, by_dims in family.functions.items():
            for dims, function in by_dims.items():
                name = f"{family.kind}{dims}d"
                assert FUNCTIONS[backend][name] is function
                cls = CLASSES[backend][family.class_name(dims)]
                assert issubclass(cls, getattr(nn, cls.__name__)) and cls._function is function
                assert ops.backend(backend).functions[name] is function
    assert set(LAYER_CLASS_NAMES) == set(CLASSES["custom"])


def test_a_backend_without_a_class_or_function_says_so(monkeypatch):
    # A family offered in 2-D only, like a new op before its 1-D and 3-D versions exist.
    two_d_only = ops.Backend("two_d_only", {"MaxPool2d": ops.MaxPool2d},
                             {"max_pool2d": ops.max_pool2d})
    assert two_d_only.MaxPool2d is ops.MaxPool2d
    with pytest.raises(NotImplementedError, match="'two_d_only' has no MaxPool3d"):
        two_d_only.MaxPool3d
    with pytest.raises(AttributeError):
        two_d_only.Linear
    x = torch.randn(1, 2, 4, 4, 4)
    with two_d_only, pytest.raises(NotImplementedError, match="has no max_pool3d"):
        nn.functional.max_pool3d(x, 2)
    monkeypatch.setitem(ops.backends._BY_NAME, "two_d_only", two_d_only)
    model = nn.Sequential(nn.MaxPool2d(2), nn.MaxPool3d(2))
    with pytest.raises(NotImplementedError, match="'two_d_only' has no MaxPool3d"):
        ops.convert(model, "two_d_only")
    assert type(model[0]) is nn.MaxPool2d  # nothing changed


def test_a_family_offers_only_what_it_lists():
    family = LayerFamily("max_pool", {"custom": {2: ops.max_pool2d}}, {"*": object})
    assert family.mixin("python") is object and family.functions.get("python") is None
    assert family.class_name(2) == "MaxPool2d"
    assert LayerFamily("lp_pool", {}, {}, class_stem="LPPool").class_name(1) == "LPPool1d"
