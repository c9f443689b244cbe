"""Lightning data modules: MNIST, CIFAR-10, any ImageFolder tree, and FakeData for smoke runs.
Each knows its channels, classes and image size before setup, so the model can be built
to fit; the train/val split is drawn from the training set with a fixed seed."""

import os
import shutil
from abc import abstractmethod
from pathlib import Path

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset, random_split
from torchvision import datasets
from torchvision.transforms import v2 as T

from .errors import UserError

MNIST_STATS = ((0.1307,), (0.3081,))
CIFAR10_STATS = ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))


class ImageClassificationData(L.LightningDataModule):
    num_classes: int
    in_channels: int
    image_size: int

    def __init__(self, root, name="data", batch_size=128, num_workers=2, val_fraction=0.1,
                 split_seed=0, augment=False, mean=None, std=None):
        super().__init__()
        self.name = name
        self.root = Path(root)
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.val_fraction = val_fraction
        self.split_seed = split_seed
        self.augment = augment
        self.mean, self.std = mean, std
        self.train_set = self.val_set = self.test_set = None

    @abstractmethod
    def load_split(self, train: bool, transform) -> Dataset:
        """The training (train=True) or test split with `transform` applied."""

    def default_stats(self):
        return (0.5,) * self.in_channels, (0.5,) * self.in_channels

    def transform(self, train: bool):
        default_mean, default_std = self.default_stats()
        steps = [T.ToImage()]
        if train and self.augment:
            steps += [T.RandomCrop(self.image_size, padding=4), T.RandomHorizontalFlip()]
        steps += [T.ToDtype(torch.float32, scale=True),
                  T.Normalize(self.mean or default_mean, self.std or default_std)]
        return T.Compose(steps)

    def setup(self, stage=None):
        if self.train_set is None:
            full = self.load_split(True, self.transform(train=True))
            plain = self.load_split(True, self.transform(train=False))
            val_size = int(round(len(full) * self.val_fraction))
            generator = torch.Generator().manual_seed(self.split_seed)
            train_part, val_part = random_split(
                range(len(full)), [len(full) - val_size, val_size], generator=generator)
            self.train_set = torch.utils.data.Subset(full, list(train_part))
            # Validation sees the same images without augmentation.
            self.val_set = torch.utils.data.Subset(plain, list(val_part))
            # In a fixed shuffled order: a run limited to its first test batches (limit_test_batches)
            # then sees every class, not the first classes of a class-sorted folder tree.
            test = self.load_split(False, self.transform(train=False))
            order = torch.randperm(len(test), generator=generator.manual_seed(self.split_seed))
            self.test_set = torch.utils.data.Subset(test, order.tolist())

    def _loader(self, dataset, shuffle):
        # More workers than usable cores only adds switching (and DataLoader warns about it).
        workers = min(self.num_workers, len(os.sched_getaffinity(0)))
        return DataLoader(dataset, batch_size=self.batch_size, shuffle=shuffle,
                          num_workers=workers, persistent_workers=workers > 0,
                          pin_memory=torch.cuda.is_available())

    def train_dataloader(self):
        return self._loader(self.train_set, shuffle=True)

    def val_dataloader(self):
        return self._loader(self.val_set, shuffle=False)

    def test_dataloader(self):
        return self._loader(self.test_set, shuffle=False)


def _missing(name: str, root: Path, expected: str, error: Exception, instead: str = "") -> UserError:
    where = root.resolve()
    return UserError(
        f"{name} was not found under '{where}' (expected {expected}) and could not be downloaded "
        f"({type(error).__name__}: {error}). Point data.root at the folder that holds "
        f"{expected.split('/')[0]}/, or set DATA_ROOT{instead}")


def _jpeg_alternative(root: Path) -> str:
    """The CIFAR-10 JPEG copy (ImageFolder layout) works offline: name it, under root when
    it is there."""
    jpegs = root / "cifar10-jpg"
    where = jpegs.resolve() if jpegs.is_dir() else "PATH/TO/cifar10-jpg"
    return f"; or use a JPEG copy: data=imagefolder data.root={where}"


def _download_or_clean_up(root: Path, made_inside: tuple[str, ...], load):
    """load(); if it fails, removes what a download would have created: the folders on the way
    to `root` that did not exist, else the entries `made_inside` root (a failed download
    otherwise leaves empty dataset folders behind)."""
    new_folders = [p for p in (root, *root.parents) if not p.exists()]
    new_inside = [root / name for name in made_inside if not (root / name).exists()]
    try:
        return load()
    except BaseException:
        # The outermost new folder holds everything the download made.
        for path in new_folders[-1:] or new_inside:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()
        raise


class MNISTData(ImageClassificationData):
    num_classes, in_channels, image_size = 10, 1, 28

    def __init__(self, root, download=True, **kwargs):
        super().__init__(root, **kwargs)
        self.download = download

    def default_stats(self):
        return MNIST_STATS

    def load_split(self, train, transform):
        try:
            return _download_or_clean_up(self.root, ("MNIST",), lambda: datasets.MNIST(
                self.root, train=train, transform=transform, download=self.download))
        except (RuntimeError, OSError) as error:
            raise _missing("MNIST", self.root, "MNIST/raw/*-ubyte", error) from error


class CIFAR10Data(ImageClassificationData):
    num_classes, in_channels, image_size = 10, 3, 32

    def __init__(self, root, download=True, **kwargs):
        super().__init__(root, **kwargs)
        self.download = download

    def default_stats(self):
        return CIFAR10_STATS

    def load_split(self, train, transform):
        try:
            return _download_or_clean_up(
                self.root, ("cifar-10-batches-py", "cifar-10-python.tar.gz"), lambda: datasets.CIFAR10(
                self.root, train=train, transform=transform, download=self.download))
        except (RuntimeError, OSError) as error:
            raise _missing("CIFAR-10 (python batches)", self.root, "cifar-10-batches-py/", error,
                           _jpeg_alternative(self.root)) from error


class _ConvertMode:
    """PIL mode conversion as a picklable transform (data loader workers pickle transforms)."""

    def __init__(self, mode):
        self.mode = mode

    def __call__(self, image):
        return image.convert(self.mode)


class ImageFolderData(ImageClassificationData):
    """`root/train/<class>/*` and `root/test/<class>/*`, resized to `image_size`."""

    def __init__(self, root, image_size=32, in_channels=3, **kwargs):
        super().__init__(root, **kwargs)
        self.image_size, self.in_channels = image_size, in_channels
        train_dir = self.root / "train"
        if not train_dir.is_dir() or not (self.root / "test").is_dir():
            where = self.root.resolve()
            raise UserError(
                f"No ImageFolder tree at '{where}': expected {where}/train/<class>/ and "
                f"{where}/test/<class>/. Point data.root at one, such as a CIFAR-10 JPEG copy")
        self.classes = sorted(p.name for p in train_dir.iterdir() if p.is_dir())
        self.num_classes = len(self.classes)

    def transform(self, train):
        return T.Compose([_ConvertMode("RGB" if self.in_channels == 3 else "L"),
                          T.Resize((self.image_size, self.image_size)),
                          super().transform(train)])

    def load_split(self, train, transform):
        folder = datasets.ImageFolder(self.root / ("train" if train else "test"),
                                      transform=transform)
        if folder.classes != self.classes:
            raise UserError(f"'{self.root}/test' has classes {folder.classes}, "
                            f"but train has {self.classes}")
        return folder


class FakeImageData(ImageClassificationData):
    """torchvision's FakeData: random images, for smoke runs that need no files."""

    def __init__(self, num_classes=10, in_channels=3, image_size=32, train_size=256,
                 test_size=64, **kwargs):
        super().__init__(root=".", **kwargs)
        self.num_classes, self.in_channels, self.image_size = num_classes, in_channels, image_size
        self.sizes = {True: train_size, False: test_size}

    def load_split(self, train, transform):
        return datasets.FakeData(
            size=self.sizes[train], image_size=(self.in_channels, self.image_size, self.image_size),
            num_classes=self.num_classes, transform=transform, random_offset=0 if train else 1)
