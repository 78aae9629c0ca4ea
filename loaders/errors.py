"""Errors the loaders raise on bad input: the message is Chinese and says what to do."""


class LoaderError(Exception):
    """Bad input that the user can fix; `str(err)` is the message shown to them (in Chinese)."""

    def __init__(self, message: str, *, path: str | None = None):
        self.path = path
        super().__init__(f"{path}：{message}" if path else message)
