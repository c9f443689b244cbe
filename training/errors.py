class UserError(Exception):
    """A problem the user fixes through the configuration (a missing dataset, a bad override).
    The command-line entry points print its message alone, without a traceback."""
