"""Which language a message is written in, with lingua's models (shipped in its wheel).

English is told from Danish by a detector of those two alone: with more candidates, short Danish
messages read as Norwegian or Polish. A second detector over the languages of readers.yml finds a
message of several words clearly written in another language. Low-accuracy mode (trigrams only)
keeps the models small; a message it is unsure of counts as Danish.
"""

from functools import cache

from bot.understanding.loading import load_data


@cache
def _detector():
    from lingua import Language, LanguageDetectorBuilder  # only Rasa's environment has it

    return LanguageDetectorBuilder.from_languages(Language.DANISH, Language.ENGLISH) \
        .with_low_accuracy_mode().with_preloaded_language_models().build()


@cache
def _wide_detector():
    from lingua import Language, LanguageDetectorBuilder

    settings = load_data("readers")["language"]
    names = dict.fromkeys(settings["answered_languages"] + settings["other_languages"])
    return LanguageDetectorBuilder.from_languages(*(getattr(Language, name) for name in names)) \
        .with_low_accuracy_mode().with_preloaded_language_models().build()


def language_of(text: str) -> str:
    """'en' when the message is clearly English, 'other' when it is clearly another language the
    assistant does not answer in, else 'da'."""
    settings = load_data("readers")["language"]
    words = len(text.split())
    if words < settings["min_words"]:
        return "da"
    if words >= settings["other_min_words"]:
        likeliest = _wide_detector().compute_language_confidence_values(text)[0]
        if likeliest.language.name in settings["other_languages"] and likeliest.value >= settings["other_min_confidence"]:
            return "other"
    return "en" if english_confidence(text) >= settings["english_min_confidence"] else "da"


def english_confidence(text: str) -> float:
    """How sure the Danish-or-English detector is that `text` is English, 0..1."""
    return next(
        (value.value for value in _detector().compute_language_confidence_values(text) if value.language.name == "ENGLISH"),
        0.0,
    )
