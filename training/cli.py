"""The command lines' one wrapper (train.py, parity.py, evolution.py): Hydra composes
configs/<name>.yaml, and a config which does not compose ends in one line (`convlab: Error
merging override trainer.max_epochs=abc: Value 'abc' of type 'str' could not be converted to
Integer`) instead of Hydra's several, one of which suggests appending a misspelt key with `+`;
so does a UserError the run raises."""

import functools
import os

import hydra
from hydra.errors import ConfigCompositionException, HydraException, MissingConfigException

from . import config_setup
from .config_setup import PROJECT_ROOT
from .errors import UserError

CONFIG_DIR = str(PROJECT_ROOT / "configs")


def entry_point(config_name: str):
    """Decorates a script's `main(cfg)` into a function that runs it as the command line:
    `@entry_point("train") def main(cfg): ...`, then `main()` under `if __name__ == ...`.
    What main returns (train's accuracy) goes back to Hydra, for sweepers."""

    def decorate(main):
        # functools.wraps: Hydra names the job (train.log, hydra.job.name) after the file of
        # the innermost wrapped function, the script, as when the script held @hydra.main.
        @functools.wraps(main)
        def task(cfg):
            # Imported here, after Hydra has checked the config: a config mistake is reported
            # before Lightning loads.
            from .console import quiet

            quiet()
            try:
                return main(cfg)
            except UserError as error:
                raise SystemExit(f"convlab: {error}") from None

        config_setup.register()
        hydra_main = hydra.main(version_base="1.3", config_path=CONFIG_DIR,
                                config_name=config_name)(task)
        return functools.partial(run_hydra_main, hydra_main)

    return decorate


def run_hydra_main(main) -> None:
    # Hydra prints its own report and exits unless HYDRA_FULL_ERROR is set; set, it raises,
    # and the errors below can be reported here.
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    try:
        main()
    except MissingConfigException as error:
        # An option that does not exist: Hydra's message goes on to list the ones that do.
        raise SystemExit(f"convlab: {error}") from None
    except ConfigCompositionException as error:
        cause = str(error.__cause__).splitlines()[0] if error.__cause__ else ""
        first = str(error).splitlines()[0].rstrip(".")
        raise SystemExit(f"convlab: {first}: {cause}".rstrip(": ")) from None
    except HydraException as error:
        # An override Hydra cannot parse: its message links the grammar.
        raise SystemExit(f"convlab: {error}") from None
