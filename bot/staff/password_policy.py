"""What a new staff password must be: long enough, not too long, not the username, and not easy to
guess. zxcvbn (its dictionaries of common and leaked passwords, names and words ship with it)
estimates how many guesses a password would take; below `password.min_score` it is refused."""

from zxcvbn import zxcvbn

from bot.staff.settings import staff_settings

GUESSABLE = (
    "Adgangskoden er for let at gætte. Den ligner en almindelig eller lækket adgangskode, "
    "et ord med tal efter eller et mønster. Prøv tre eller fire tilfældige ord med mellemrum imellem."
)


def too_long(password: str) -> str | None:
    """The reason a password is longer than any account may have, or None (checked at log-in too)."""
    max_length = staff_settings().password.max_length
    return f"Adgangskoden må højst være {max_length} tegn lang." if len(password) > max_length else None


def new_password_problem(username: str, password: str) -> str | None:
    """Why `password` may not become `username`'s password (Danish, kind), or None if it may."""
    rules = staff_settings().password
    if len(password) < rules.min_length:
        return f"Adgangskoden skal være mindst {rules.min_length} tegn lang."
    if reason := too_long(password):
        return reason
    if password.strip().lower() == username:
        return "Adgangskoden må ikke være den samme som brugernavnet."
    # zxcvbn reads at most its first 72 characters; the username counts as an easy guess.
    if zxcvbn(password[:72], user_inputs=[username])["score"] < rules.min_score:
        return GUESSABLE
    return None
