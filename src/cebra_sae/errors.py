"""Errors meant for the person running the study, not for a debugger."""


class StudyError(ValueError):
    """A problem with the user's configuration or input files.

    The message names the offending key, file or value and says how to fix it; the
    workflow scripts print it as one line instead of a traceback.
    """
