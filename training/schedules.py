"""Learning-rate schedules by name, sized from the trainer's step and epoch counts."""

import torch

SCHEDULES = ("none", "onecycle", "cosine", "step")


def make_scheduler(optimizer, name: str, total_steps: int, max_epochs: int, **settings):
    """A Lightning lr_scheduler dict (or None for "none"). onecycle and cosine step every
    batch over the whole run; step decays by `gamma` every `step_size` epochs."""
    if name == "none":
        return None
    if name == "onecycle":
        peak = [group["lr"] for group in optimizer.param_groups]
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=peak, total_steps=max(1, int(total_steps)),
            pct_start=settings.get("pct_start", 0.25))
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
