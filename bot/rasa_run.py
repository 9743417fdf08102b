"""Start Rasa with its HTTP API's token from the environment, never on a command line, where `ps`
and the pod's spec would show it: `python -m bot.rasa_run run ...` takes `rasa`'s arguments and adds
`--auth-token` from RASA_AUTH_TOKEN inside this process (Rasa 3.6 reads the token only from its
arguments, and a process's own argument list in /proc does not change). Rasa's structured log
lines lose what users wrote (bot.privacy.log_fields)."""

import os
import sys

TOKEN_ENV = "RASA_AUTH_TOKEN"


def with_token(arguments: list[str], token: str) -> list[str]:
    """Rasa's arguments with the token added; a token given on the command line is refused."""
    if any(argument.split("=", 1)[0] == "--auth-token" for argument in arguments):
        raise SystemExit(f"Pass the token in {TOKEN_ENV}, not on the command line.")
    return [*arguments, f"--auth-token={token}"] if token else arguments


def withhold_user_text_in_rasa_logs() -> None:
    """Put our processor where Rasa's anonymiser sits, before Rasa configures its logging."""
    from rasa.utils import log_utils  # Rasa's environment only

    from bot.privacy.log_fields import withhold_user_text

    log_utils._anonymizer = withhold_user_text


if __name__ == "__main__":
    from rasa.__main__ import main  # Rasa's environment only

    withhold_user_text_in_rasa_logs()
    sys.argv = [sys.argv[0], *with_token(sys.argv[1:], os.environ.get(TOKEN_ENV, ""))]
    main()
