"""Which language a message is written in, with lingua's models (shipped in its wheel).

Restricted to the languages the assistant answers in, Danish and English: with more candidates,
short Danish messages read as Norwegian or Polish. Low-accuracy mode (trigrams only) keeps the
models at about 10 MB; it tells Danish from English reliably on anything longer than a word or
two, and a message it is unsure of counts as Danish.
"""

from functools import cache

from bot.understanding.loading import load_data


@cache
def _detector():
    from lingua import Language, LanguageDetectorBuilder  # only Rasa's environment has it

    return LanguageDetectorBuilder.from_languages(Language.DANISH, Language.ENGLISH) \
        .with_low_accuracy_mode().with_preloaded_language_models().build()


def language_of(text: str) -> str:
    """'en' when the message is clearly English, else 'da'."""
    settings = load_data("readers")["language"]
    if len(text.split()) < settings["min_words"]:
        return "da"
    english = next(
        (value.value for value in _detector().compute_language_confidence_values(text) if value.language.name == "ENGLISH"),
        0.0,
    )
    return "en" if english >= settings["english_min_confidence"] else "da"
