import pytest
import torch
from PIL import Image

from training.data import FakeImageData, ImageFolderData, MNISTData
from training.errors import UserError


@pytest.fixture
def tiny_folder(tmp_path):
    """root/{train,test}/<class>/*.png with 6 train and 2 test images per class."""
    colours = {"cat": (255, 0, 0), "dog": (0, 255, 0), "emu": (0, 0, 255)}
    for split, count in (("train", 6), ("test", 2)):
        for name, colour in colours.items():
            folder = tmp_path / split / name
            folder.mkdir(parents=True)
            for i in range(count):
                Image.new("RGB", (20, 24), colour).save(folder / f"{i}.png")
    return tmp_path


def test_image_folder_sizes_splits_and_batches(tiny_folder):
    data = ImageFolderData(tiny_folder, image_size=16, batch_size=4, num_workers=0,
                           val_fraction=1 / 3, augment=True)
    assert (data.num_classes, data.in_channels, data.image_size) == (3, 3, 16)
    data.setup("fit")
    assert (len(data.train_set), len(data.val_set), len(data.test_set)) == (12, 6, 6)
    images, labels = next(iter(data.train_dataloader()))
    assert images.shape == (4, 3, 16, 16) and images.dtype == torch.float32
    assert set(labels.tolist()) <= {0, 1, 2}


def test_first_test_batch_holds_more_than_the_first_class(tiny_folder):
    # limit_test_batches takes the first batches (issue #13, item 6).
    data = ImageFolderData(tiny_folder, image_size=16, batch_size=2, num_workers=0)
    data.setup("test")
    _, labels = next(iter(data.test_dataloader()))
    assert len(set(labels.tolist())) > 1


def test_split_is_fixed_by_its_seed(tiny_folder):
    def val_indices(seed):
        data = ImageFolderData(tiny_folder, num_workers=0, split_seed=seed, val_fraction=0.5)
        data.setup("fit")
        return data.val_set.indices

    assert val_indices(0) == val_indices(0)
    assert val_indices(0) != val_indices(1)


def test_grayscale_image_folder(tiny_folder):
    data = ImageFolderData(tiny_folder, image_size=8, in_channels=1, num_workers=0)
    data.setup("fit")
    assert data.test_set[0][0].shape == (1, 8, 8)


def test_missing_folders_raise_user_errors(tmp_path):
    with pytest.raises(UserError, match="data.root"):
        ImageFolderData(tmp_path / "absent")
    data = MNISTData(tmp_path / "absent", download=False, num_workers=0)
    with pytest.raises(UserError, match="data.root"):
        data.setup("fit")


def test_fake_data_has_the_asked_shape():
    data = FakeImageData(num_classes=4, in_channels=2, image_size=12, train_size=20, test_size=8,
                         num_workers=0, batch_size=5)
    data.setup("fit")
    images, labels = next(iter(data.train_dataloader()))
    assert images.shape == (5, 2, 12, 12) and int(labels.max()) < 4


def test_real_mnist_subset(data_root):
    data = MNISTData(data_root, download=False, num_workers=0, batch_size=10)
    data.setup("fit")
    assert (len(data.train_set), len(data.val_set), len(data.test_set)) == (4500, 500, 10000)
    images, _ = next(iter(data.test_dataloader()))
    assert images.shape == (10, 1, 28, 28)
    # Normalised with MNIST's statistics: roughly zero mean, unit spread over a batch.
    assert abs(images.mean().item()) < 0.5


def test_real_cifar_jpegs(data_root):
    data = ImageFolderData(data_root / "cifar10-jpg", num_workers=0, batch_size=10)
    assert data.num_classes == 10 and data.classes[0] == "airplane"
    data.setup("fit")
    assert (len(data.train_set) + len(data.val_set), len(data.test_set)) == (20000, 10000)
