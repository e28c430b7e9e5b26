"""User-facing errors. Tabs turn every DemoError into a gr.Error with the same message."""


class DemoError(ValueError):
    """An expected failure; the message says what to do about it."""


class BadInput(DemoError):
    """The user's input cannot be used as it is (empty text, no mask, impossible settings...)."""


class UnknownModel(DemoError):
    """A model name that is not in the registry (the app never loads arbitrary paths)."""


class ModelUnavailable(DemoError):
    """The model is in the registry but not on this machine and the hub is out of reach."""


class WrongTask(DemoError):
    """The model exists but cannot do what was asked (e.g. fill-mask on GPT-2)."""
