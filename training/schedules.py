"""Learning-rate schedules by name, sized from the trainer's step and epoch counts."""

import torch

SCHEDULES = ("none", "onecycle", "cosine", "step")


def onecycle_shape(total_steps: int, pct_start: float) -> tuple[int, float]:
    """OneCycleLR divides by the length of its warm-up (pct_start * total - 1 steps) and of its
    decay: on a run of a few steps either can be zero (ZeroDivisionError). At least two steps,
    and a warm-up and a decay of half a step or more each, keep both positive."""
    total = max(2, int(total_steps))
    return total, min(max(pct_start, 1.5 / total), 1.0 - 0.5 / total)


def make_scheduler(optimizer, name: str, total_steps: int, max_epochs: int, **settings):
    """A Lightning lr_scheduler dict (or None for "none"). onecycle and cosine step every
    batch over the whole run; step decays by `gamma` every `step_size` epochs."""
    if name == "none":
        return None
    if name == "onecycle":
        peak = [group["lr"] for group in optimizer.param_groups]
        total, pct_start = onecycle_shape(total_steps, settings.get("pct_start", 0.25))
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=peak, total_steps=total, pct_start=pct_start)
        return {"scheduler": scheduler, "interval": "step"}
    if name == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=max(1, int(total_steps)), eta_min=settings.get("eta_min", 0.0))
        return {"scheduler": scheduler, "interval": "step"}
    if name == "step":
        scheduler = torch.optim.lr_scheduler.StepLR(
            optimizer, step_size=settings.get("step_size", max(1, max_epochs // 3)),
            gamma=settings.get("gamma", 0.1))
        return {"scheduler": scheduler, "interval": "epoch"}
    raise ValueError(f"scheduler.name must be one of {SCHEDULES}, got {name!r}")


def planned_steps(scheduler) -> int | None:
    """The run length in steps that a per-step schedule was sized for; None for the epoch-wise
    and constant ones, which carry on unchanged however long a run gets."""
    if isinstance(scheduler, torch.optim.lr_scheduler.OneCycleLR):
        return scheduler.total_steps
    if isinstance(scheduler, torch.optim.lr_scheduler.CosineAnnealingLR):
        return scheduler.T_max
    return None


def resume_mismatch(name: str, saved_steps: int, new_steps: int, saved_max_epochs) -> str:
    """Why a checkpoint cannot resume under this run's schedule, and how to go on."""
    epochs = f"trainer.max_epochs={saved_max_epochs}" if saved_max_epochs else "its max_epochs"
    return (f"ckpt_path was trained with a {name} schedule over {saved_steps} steps and this run "
            f"would need {new_steps}: a {name} schedule cannot be lengthened or shortened. "
            f"Resume with {epochs} (and the same limits) to finish it, or train with "
            "scheduler=step or scheduler=none to extend runs later")
