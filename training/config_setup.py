"""What Hydra needs before composing convlab's configs: the `${run_id:}` and
`${project_root:}` resolvers and the typed schemas. Light on purpose (no torch, no ops), so a
config mistake is reported before the extension is built or loaded."""

import secrets
from datetime import datetime
from pathlib import Path

from omegaconf import OmegaConf

from .config_schema import register_schemas

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def register() -> None:
    """`${run_id:}`: a timestamp plus random suffix, so runs started in the same second get
    their own folders; cached like Hydra's `now`, so one run sees one id. `${project_root:}`:
    this checkout, so default data and outputs land in it wherever a command runs from."""
    OmegaConf.register_new_resolver(
        "run_id", lambda: f"{datetime.now():%Y-%m-%d_%H-%M-%S}_{secrets.token_hex(3)}",
        use_cache=True, replace=True)
    OmegaConf.register_new_resolver("project_root", lambda: str(PROJECT_ROOT), replace=True)
    register_schemas()
