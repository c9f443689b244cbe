"""The speed goals, custom / native ratios the speed issue aims at (at most), and how the
suite judges its rows against them."""

GOALS = {
    "train_time": 1.3,  # every training step
    "train_memory": 1.25,  # peak memory of every training step
    "vgg16_conv": 1.5,  # every VGG-16 conv layer, forward + backward
    "pool": 1.2,  # every pooling layer, forward and forward + backward
}


def ratio(custom, native):
    return None if custom is None or native is None or native <= 0 else custom / native


def verdict(value, goal):
    return None if value is None or goal is None else value <= goal


def summarise(results: dict) -> dict:
    """PASS counts per goal: {goal: [passed, judged]}."""
    groups = {
        "train_time": [r["pass_time"] for r in results["train"]],
        "train_memory": [r["pass_memory"] for r in results["train"]],
        "vgg16_conv": [r["pass"] for r in results["conv"]],
        "pool": [r["pass"] for r in results["pool"]],
    }
    return {goal: [sum(v is True for v in verdicts), sum(v is not None for v in verdicts)]
            for goal, verdicts in groups.items()}
