"""Running a Hydra entry point so that a config which does not compose ends in one line
(`convlab: Error merging override trainer.max_epochs=abc: Value 'abc' of type 'str' could not
be converted to Integer`) instead of Hydra's several, one of which suggests appending a
misspelt key with `+`."""

import os

from hydra.errors import ConfigCompositionException, HydraException, MissingConfigException


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
