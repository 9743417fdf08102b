"""The situation a message describes, read by trained readers: signs, urgency, role, incident, crisis.

`SituationReaders.train()` learns every reader from the curated examples in data/ (the settings
and thresholds are in data/readers.yml); `read()` returns one `SituationReading` per text. The
acute reader has a deterministic safety net under it (bot.understanding.safety_net), whose false
alarms are measured like the reader's.
"""

from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
import re
from typing import Any, Sequence

import numpy as np

from bot.knowledge.places import WEAK_HOME, read_places
from bot.knowledge.signs import SignFindings, findings_from_ids, sign_groups
from bot.knowledge.text import fold, list_items, sentences, word_start_pattern
from bot.understanding.encoder import SentenceEncoder
from bot.understanding.language import language_of
from bot.understanding.loading import DATA_DIR, load_data
from bot.understanding.readers import ChoiceReader, FeatureSettings, FeatureSpace, MultiLabelReader
from bot.understanding.reading import INCIDENTS, ROLES, SituationReading
from bot.understanding.safety_net import is_clearly_acute, names_a_danger
from bot.understanding.spelling import respelled

EXAMPLE_FILES = ("signs", "urgency", "roles", "incidents", "ordinary")


@cache
def settings() -> dict[str, Any]:
    """Feature settings, regularisation and thresholds of every reader (data/readers.yml)."""
    return load_data("readers")


@cache
def sign_labels() -> tuple[str, ...]:
    """The sign-group ids the sign reader learns, in the order of bot/knowledge/data/signs.yml."""
    return tuple(sign_groups())


def load_examples() -> dict[str, list]:
    """The curated training examples of every reader, keyed by file name (ordinary: plain sentences)."""
    return {name: load_data(name)["sentences" if name == "ordinary" else "examples"] for name in EXAMPLE_FILES}


def data_files() -> list[Path]:
    """Every file training depends on, for fingerprints and make."""
    return [DATA_DIR / f"{name}.yml" for name in (*EXAMPLE_FILES, "readers", "time_words")]


@dataclass
class TrainingSet:
    """The texts one reader learns from, with their labels."""

    texts: list[str] = field(default_factory=list)
    labels: list = field(default_factory=list)

    def add(self, text: str, label) -> None:
        self.texts.append(text)
        self.labels.append(label)


def training_sets(examples: dict[str, list], everyday: Sequence[str] = (),
                  not_a_crisis: Sequence[str] = (), questions: Sequence[tuple[str, str]] = ()) -> dict[str, TrainingSet]:
    """What each reader learns from: its own file, plus the other files' examples where its answer
    is certain, so that every reader also sees the kinds of message it is not about.

    - `everyday`: messages with nothing to read (greetings, thanks, questions about the service,
      Rasa's NLU examples of those intents): no sign, not acute, no incident, no crisis, role unknown.
    - `not_a_crisis`: messages of someone who wants out of an extremist environment: no crisis.
    - ordinary sentences (data/ordinary.yml): no sign, not acute, no incident, no crisis.
    - `questions`: questions about the service with their FAQ topic (Rasa's faq examples); every
      other example asks none ("hvad skal jeg gøre?" in a worry is the worry's own question).
    - sign examples describe what a person does over time: not acute (unless the safety net says
      so); without a sign that describes a crime (violence, weapons, threats, vandalism), no hate
      crime (sharing propaganda or wanting a group removed is a worry about a person, not an
      incident to report); without a sign of loneliness or mental health, no crisis.
    """
    sets = {name: TrainingSet() for name in ("signs", "acute", "crisis", "incident", "role", "question")}
    for example in examples["signs"]:
        sets["signs"].add(example["text"], example["signs"])
        if not is_clearly_acute(example["text"]):
            sets["acute"].add(example["text"], [])
        if not _crimes().intersection(example["signs"]):
            sets["incident"].add(example["text"], "none")
        if "wellbeing" not in example["signs"]:
            sets["crisis"].add(example["text"], [])
    for example in examples["urgency"]:
        sets["acute"].add(example["text"], ["acute"] if example["acute"] else [])
    for example in examples["incidents"]:
        sets["crisis"].add(example["text"], ["crisis"] if example["crisis"] else [])
        sets["incident"].add(example["text"], example["incident"])
    for example in examples["roles"]:
        sets["role"].add(example["text"], example["role"])
    nothing_to_read = (("signs", []), ("acute", []), ("crisis", []), ("incident", "none"))
    for text in examples["ordinary"]:
        for name, label in nothing_to_read:
            sets[name].add(text, label)
    for text in not_a_crisis:
        sets["crisis"].add(text, [])
    for text in everyday:
        for name, label in (*nothing_to_read, ("role", "unknown")):
            sets[name].add(text, label)
    asked = dict(questions)
    for text, topic in asked.items():
        sets["question"].add(text, topic)
    # Each text once, though several readers learn from it: as often as 2.5 times before, which
    # made this reader the slowest part of training and weighed texts by how many readers use them.
    for text in dict.fromkeys(text for name in ("signs", "acute", "crisis", "incident", "role") for text in sets[name].texts):
        if text not in asked:
            sets["question"].add(text, NO_QUESTION)
    return sets


class SituationReaders:
    """Every situation reader over one feature space."""

    def __init__(self, features: FeatureSpace, signs: MultiLabelReader, flags: MultiLabelReader,
                 role: ChoiceReader, incident: ChoiceReader, acute: MultiLabelReader,
                 question: ChoiceReader | None = None) -> None:
        self.features = features
        self.signs = signs
        self.flags = flags
        self.role = role
        self.incident = incident
        self.acute = acute
        self.question = question

    @classmethod
    def train(cls, encoder: SentenceEncoder, everyday: Sequence[str] = (), not_a_crisis: Sequence[str] = (),
              examples: dict[str, list] | None = None, questions: Sequence[tuple[str, str]] = ()) -> "SituationReaders":
        """Learn every reader from the curated examples (data/ unless given), everyday messages and
        questions about the service with their FAQ topics (without them, no question reader)."""
        sets = training_sets(examples or load_examples(), everyday, not_a_crisis, questions)
        config = settings()
        texts = list(dict.fromkeys(text for training_set in sets.values() for text in training_set.texts))
        features = FeatureSpace(encoder, FeatureSettings(**config["features"])).fit(texts)
        every_row = features.transform(texts, keep=True)
        row_of = {text: row for row, text in enumerate(texts)}

        def fit(reader, name: str):
            training_set = sets[name]
            return reader.fit(every_row.rows([row_of[text] for text in training_set.texts]), training_set.labels)

        def model(name: str) -> tuple[float, float]:
            return config[name]["regularisation"], config[name]["embedding_weight"]

        signs = fit(MultiLabelReader(sign_labels(), _thresholds(config["signs"], sign_labels()), *model("signs")), "signs")
        acute = fit(MultiLabelReader(("acute",), {}, *model("acute"), timing_weight=config["acute"]["timing_weight"],
                                     timing_gate=config["acute"]["timing_gate"]), "acute")
        flags = fit(MultiLabelReader(("crisis",), {"crisis": config["crisis"]["threshold"]}, *model("crisis")), "crisis")
        incident = fit(ChoiceReader(INCIDENTS, "none", config["incident"]["min_probability"], *model("incident")), "incident")
        role = fit(ChoiceReader(ROLES, "unknown", config["role"]["min_probability"], *model("role")), "role")
        topics = tuple(sorted(set(topic for _, topic in questions)))
        question = fit(ChoiceReader((*topics, NO_QUESTION), NO_QUESTION, config["question"]["min_probability"],
                                    *model("question")), "question") if topics else None
        return cls(features, signs, flags, role, incident, acute, question)

    def read(self, texts: Sequence[str], acute_opinions: Sequence[float] | None = None) -> list[SituationReading]:
        """One reading per text. `acute_opinions`: the intent classifier's confidence in acute_danger
        for each text, a second opinion for the middle band of the acute reader (see `_is_acute`)."""
        if not texts:
            return []
        opinions = list(acute_opinions) if acute_opinions is not None else [None] * len(texts)
        matrix = self.features.transform(texts)
        affirmed = [_without_places(_affirmed(text)) for text in texts]
        sign_scores = self.signs.scores(
            matrix if affirmed == list(texts) else self.features.transform([a or t for a, t in zip(affirmed, texts)]))
        serious_probability = np.max([sign_scores[sign] for sign in _every_group().serious], axis=0)
        in_sentences = self._read_sentences(texts)
        in_affirmed = in_sentences if affirmed == list(texts) else self._read_sentences(
            [remains or text for remains, text in zip(affirmed, texts)])
        signs_read = [
            without_lawful_weapons(
                with_sentence_changes(
                    with_sentence_signs(without_unsupported(signs, told.support), told.serious,
                                        {group: sign_scores[group][index] for group in _every_group().serious},
                                        told.listed),
                    told.changes, max(sign_scores[topic][index] for topic in _every_group().not_a_sign)),
                remains)
            if remains else []
            for index, (signs, told, remains) in enumerate(zip(self.signs.labels_of(sign_scores), in_affirmed, affirmed))
        ]
        serious_probability = np.where([bool(remains) for remains in affirmed], serious_probability, 0.0)
        incidents = [
            incident if told.crime is not False else "none"
            for incident, told in zip(self.incident.read_any(matrix), in_sentences)
        ]
        questions = self._questions(texts, matrix, in_sentences)
        rows = zip(
            texts,
            signs_read,
            self.acute.scores(matrix)["acute"],
            serious_probability,
            self._roles(texts, matrix),
            incidents,
            self.flags.read(matrix),
            self.flags.scores(matrix)["crisis"],
            opinions,
            in_sentences,
            questions,
        )
        readings = []
        config = settings()["acute"]
        crisis_sure_at = settings()["crisis"]["sure_threshold"]
        for text, signs, acute_probability, serious, role, incident, crisis, crisis_probability, opinion, told, asked in rows:
            named = names_a_danger(text) and max(acute_probability, told.acute or 0.0) >= config["danger_word_probability"]
            danger = (bool(crisis) or incident != "none" or serious >= config["danger_sign_probability"] or named
                      or bool(told.serious))
            sure = is_clearly_acute(text) or _sure_of_danger(acute_probability, told.acute)
            located = told.acute is None or told.acute >= config["sentence_probability"]
            # "hjaelp min son har vaaben" reads as English as typed; "I'm a GP in Sønderborg" as Danish
            # with its place name, whose letters the English model has never seen.
            language = language_of(respelled(_without_places(text) or text))
            # The classifier takes every English message for `english`: it has no view on danger there.
            opinion = opinion if language == "da" else None
            readings.append(SituationReading(
                signs=tuple(signs),
                acute=sure or (located and _is_acute(acute_probability, danger, opinion, told.acute)),
                acute_sure=sure,
                role=role,
                incident=incident,
                crisis=bool(crisis),
                crisis_sure=bool(crisis) and crisis_probability >= crisis_sure_at,
                language=language,
                gives_place=any(place.home >= WEAK_HOME for place in read_places(text)),
                questions=asked,
            ))
        return readings

    def _roles(self, texts: Sequence[str], matrix) -> list[str]:
        """The writer's role in each text; where the whole gives none, a longer message's first
        sentence gives it when it is sure ("hej jeg er pædagog i en ungdomsklub. ..."): the rest of
        a long letter blurs it. Later sentences name other people's roles too often."""
        roles = self.role.read(matrix)
        unread = [(index, parts[0]) for index, parts in enumerate(map(sentences, texts))
                  if roles[index] == self.role.default and len(parts) > 1]
        if not unread:
            return roles
        at_least = settings()["role"]["first_sentence_probability"]
        firsts = self.role.read(self.features.transform([first for _, first in unread]), at_least)
        for (index, _), role in zip(unread, firsts):
            roles[index] = role
        return roles

    def _questions(self, texts: Sequence[str], matrix, in_sentences: list["_InSentences"]) -> list[tuple[str, ...]]:
        """The FAQ topics asked about in each text: a one-sentence question read whole, the
        questions of a longer message one by one (`_read_sentences`)."""
        if self.question is None:
            return [() for _ in texts]
        whole = self.question.read(matrix)
        asked = [
            told.questions if told.questions is not None
            else ((topic,) if is_question(text) and topic != NO_QUESTION else ())
            for text, topic, told in zip(texts, whole, in_sentences)
        ]
        return self._with_joined_questions(texts, asked)

    def _with_joined_questions(self, texts: Sequence[str], asked: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        """Two questions joined in one sentence ("hvad er et infohus og kan man ringe uden at sige
        hvem man er?"): each part is read as a question of its own, and its topic added."""
        parts = [(index, clause) for index, text in enumerate(texts) for clause in joined_questions(text)]
        if not parts:
            return asked
        at_least = settings()["question"]["joined_min_probability"]
        topics = self.question.read(self.features.transform([clause for _, clause in parts]), at_least)
        asked = [list(topics_of_text) for topics_of_text in asked]
        for (index, _), topic in zip(parts, topics):
            if topic != NO_QUESTION and topic not in asked[index]:
                asked[index].append(topic)
        return [tuple(topics_of_text) for topics_of_text in asked]

    def _read_sentences(self, texts: Sequence[str]) -> list["_InSentences"]:
        """Per text, what its single sentences (and pairs of neighbouring sentences) tell; for a
        one-sentence text, nothing (`_InSentences()`) but the serious signs and changes of its list
        items.

        A long message's sentence vector blurs the one sentence about a knife or a threat among
        sentences about school and family, so each sentence of a longer message is read as well.
        Only the serious groups are taken from single sentences, at their threshold plus a margin
        (data/readers.yml): missing one costs most, and the others read well on the whole message.
        A sentence that tells what other people say or suspect ("Naboen siger kommunen vil tro vi
        sender børn til al-Shabaab") is read only as part of the whole message, whose context tells
        whether the suspicion has grounds.
        The same blur makes a long message about a daughter's new faith, her headscarf and the
        parents' fear look like a hate crime against her, and months of signs look like danger
        now: a hate crime, or danger now, read in the whole message counts only when one sentence
        or two neighbouring ones tell of it too.
        A short question after a sentence that names no topic of its own ("Man kan blive
        radikaliseret gennem spil. Passer det?") asks about that sentence: its topic is read from
        the two together.
        A sentence that lists observations ("vil have en gruppe udryddet, Telegram-kanal der hylder
        skoleskydere, trussel mod klassekammerat") blurs its items as a long message blurs its
        sentences: each item is read for signs too (`listed`), and for nothing else.
        """
        split = [sentences(text) for text in texts]
        # (text index, unit, kind, the question it asks: the sentence itself, or in a pair a short
        # question that may ask about the sentence before it; None for none)
        units = [
            (index, asked_part(sentence), _SENTENCE, sentence if is_question(sentence) else None)
            for index, parts in enumerate(split) if len(parts) > 1
            for sentence in parts
        ] + [
            (index, f"{first} {second}", _PAIR, second if _asks_about_before(second) else None)
            for index, parts in enumerate(split) if len(parts) > 1
            for first, second in zip(parts, parts[1:])
        ] + [
            (index, item, _ITEM, None)
            for index, parts in enumerate(split)
            for sentence in parts if not _hearsay(sentence)
            for item in list_items(sentence)
        ]
        listing = {index for index, _, kind, _ in units if kind == _ITEM}
        found = [
            _InSentences(set(), set(), False, 0.0, (), set()) if len(parts) > 1
            else _InSentences(changes=set(), listed=set()) if index in listing
            else _InSentences()
            for index, parts in enumerate(split)
        ]
        if not units:
            return found
        matrix = self.features.transform([unit for _, unit, _, _ in units])
        unit_scores = self.signs.scores(matrix)
        read = self.signs.labels_of(unit_scores, margin=settings()["signs"]["sentence_margin"])
        for row, (index, _, _, _) in enumerate(units):
            support = found[index].support or {}
            found[index] = replace(found[index], support={
                group: max(support.get(group, 0.0), float(unit_scores[group][row]))
                for group in _every_group().serious if group in unit_scores})
        crime_at = settings()["incident"]["sentence_probability"]
        topics = self.question.read(matrix) if self.question is not None else [NO_QUESTION] * len(units)
        rows = zip(units, read, self.incident.probabilities(matrix), self.acute.scores(matrix)["acute"], topics)
        named_its_topic = set()  # (text index, question) read to a topic on its own
        for (index, unit, kind, question), groups, incident, acute, topic in rows:
            before = found[index]
            if kind == _ITEM:
                here = findings_from_ids(groups)
                found[index] = replace(before, changes=before.changes | set(here.combination),
                                       listed=before.listed | set(here.serious))
                continue
            single = kind == _SENTENCE
            if single and question is not None and topic != NO_QUESTION:
                named_its_topic.add((index, question))
            asked = (question is not None and topic != NO_QUESTION and topic not in before.questions
                     and (single or (index, question) not in named_its_topic))
            here = findings_from_ids(groups) if single and not _hearsay(unit) else SignFindings()
            found[index] = replace(
                before,
                serious=before.serious | set(here.serious),
                changes=before.changes | set(here.combination),
                crime=before.crime or (single and 1.0 - incident["none"] >= crime_at),
                acute=max(before.acute, float(acute)),
                questions=before.questions + ((topic,) if asked else ()),
            )
        return found


def with_sentence_signs(signs: list[str], in_sentences: set[str] | None, whole: dict[str, float],
                        in_items: set[str] | None = None) -> list[str]:
    """The sign groups of the whole message, and the serious groups told in one of its sentences
    that the whole message gives some weight too (`sentence_whole_floor`): "hendes far truer med at
    tage hendes telefon" is a threat as a sentence, not in a message about a daughter's political
    engagement. A serious group told in one item of a list needs less weight from the whole
    (`item_whole_floor`): a list of observations reads as the mean of its items."""
    config = settings()["signs"]
    told = [(group, config["sentence_whole_floor"]) for group in sorted(in_sentences or ())]
    told += [(group, config["item_whole_floor"]) for group in sorted(in_items or ())]
    added = [group for group, floor in told if group not in signs and whole[group] >= floor]
    return signs + sorted(set(added), key=added.index)


def without_unsupported(signs: list[str], support: dict[str, float] | None) -> list[str]:
    """The sign groups read in a whole message of several sentences, or a list, without the serious
    ones that none of its sentences, neighbouring pairs or list items gives some probability
    (`whole_support`): a long letter about a young man's new faith, his prayers and his views on
    abortion read as threats (0.61) though no sentence of it is (0.0); so did "tørklæde, faster, vil
    bede i pausen"."""
    if support is None:
        return signs
    floor = settings()["signs"]["whole_support"]
    return [group for group in signs if support.get(group, 1.0) >= floor]


def with_sentence_changes(signs: list[str], in_sentences: set[str] | None, not_a_sign: float = 0.0) -> list[str]:
    """The sign groups read, and the changes (combination groups) told one per sentence when there
    are several of them (`several_changes` of bot/knowledge/data/signs.yml): a long list of changes
    blurs each one in the whole message ("har trukket sig fra sine veninder. stoppet med håndbold.
    ny kæreste på 22. snakker om 'eliten'."); one or two changes read only in a sentence do not count.
    Nor do they in a message that is about faith, opinions, provocation or loneliness (`not_a_sign`:
    the whole message's probability of the likeliest of them), where changes told one by one are
    often that topic's ordinary face: a lonely boy in his room, a son's new prayers."""
    if (not in_sentences or not_a_sign >= settings()["signs"]["sentence_changes_below_topic"]
            or not findings_from_ids(sorted(in_sentences)).several_changes):
        return signs
    return signs + sorted(in_sentences - set(signs))


def without_lawful_weapons(signs: list[str], text: str) -> list[str]:
    """Weapons as the only serious sign of a message that tells of a lawful use of them (a hunter's
    jagttegn, a collector's licence, a shooting club, Hjemmeværnet, airsoft) are no sign: weapons
    in hostile hands come with another serious sign (threats, a violent group, absolute solutions).
    The acute reader still weighs them as a danger."""
    if [sign for sign in signs if sign in _every_group().serious] != ["weapons"] or not _lawful_weapons().search(fold(text)):
        return signs
    return [sign for sign in signs if sign != "weapons"]


@cache
def _lawful_weapons() -> re.Pattern:
    return word_start_pattern(settings()["signs"]["lawful_weapons"])


@dataclass(frozen=True)
class _InSentences:
    """What the sentences of a longer message tell (None: a one-sentence message)."""

    serious: set[str] | None = None  # serious sign groups told in one sentence
    changes: set[str] | None = None  # combination groups (changes) told in one sentence
    crime: bool | None = None  # whether one sentence tells of a hate crime
    acute: float | None = None  # the highest probability of danger now in a sentence or a pair
    questions: tuple[str, ...] | None = None  # FAQ topics asked about in its questions
    listed: set[str] | None = None  # serious sign groups told in one item of a list
    support: dict[str, float] | None = None  # per serious group, its highest probability in one unit


NO_QUESTION = "none"
_SENTENCE, _PAIR, _ITEM = "sentence", "pair", "item"  # the units `_read_sentences` reads


def _denies(clause: str) -> bool:
    """A clause that denies signs: "Ingen trusler, ingen grupper", "han har aldrig sagt noget om våben"."""
    start = re.sub(r"^\W+", "", fold(clause))
    if _denial_exceptions().match(start):
        return False
    return bool(_denial_starts().match(start) or _denial_phrases().search(start))


@cache
def _denial_phrases() -> re.Pattern:
    return word_start_pattern(settings()["signs"]["denial"]["phrases"])


@cache
def _denial_starts() -> re.Pattern:
    return word_start_pattern([rf"{word}\b" for word in settings()["signs"]["denial"]["starts"]])


@cache
def _denial_exceptions() -> re.Pattern:
    return word_start_pattern(settings()["signs"]["denial"]["not_when"])


_CLAUSE_BREAK = re.compile(r",?\s+men\s+|;\s*")
# 'og' that starts a second question in the same sentence.
_JOINED_QUESTION = re.compile(
    r"(?:,\s*|\s+)og\s+(?=(?:kan|hvad|hvem|hvordan|hvorfor|hvornår|hvornaar|hvor|hvis|er|skal|må|maa|bliver|får|faar"
    r"|findes|hvilke|hvilken)\b)", re.IGNORECASE)


def _affirmed(text: str) -> str:
    """The message without its sentences, or clauses before or after 'men', that deny signs: the
    signs are read from what remains. In a list of observations a denial covers its own item and
    the items after it ("har nye venner, snakker om konspirationer, ingen vold eller trusler";
    "ingen trusler, vold eller våben"), not the items before it."""
    parts = [clause for sentence in sentences(text) for clause in _CLAUSE_BREAK.split(sentence) if clause.strip()]
    kept = [remains for clause in parts if (remains := _before_a_denial(clause))]
    return text if kept == parts else " ".join(kept)


def _before_a_denial(clause: str) -> str:
    """The clause, or the items of its list before the first that denies signs ('' if that is the first)."""
    if not _denies(clause):
        return clause
    items = list_items(clause)
    denied_at = next((index for index, item in enumerate(items) if _denies(item)), 0)
    return ", ".join(items[:denied_at])


def _hearsay(sentence: str) -> bool:
    """A sentence that tells what others than the person of concern say, think or fear."""
    return bool(_hearsay_pattern().search(fold(sentence)))


@cache
def _hearsay_pattern() -> re.Pattern:
    return word_start_pattern(settings()["signs"]["hearsay"])


def _without_places(text: str) -> str:
    """The text without the names of places, which tell where someone lives and nothing about signs:
    some contain a word of one ("Haderslev": "had", "Lejre": "lejr"). Empty when nothing else is left."""
    places = sorted(read_places(text), key=lambda mention: mention.start, reverse=True)
    for place in places:
        text = text[:place.start] + text[place.end:]
    if not re.search(r"[^\W\d_]", text):
        return ""
    return " ".join(text.split()) if places else text


def is_question(sentence: str) -> bool:
    """A sentence with a question mark, or with a question word ('hvad er det overhovedet')."""
    return "?" in sentence or bool(_question_words().search(fold(sentence)))


def asked_part(sentence: str) -> str:
    """A question without its numbering ("2) Hvis jeg ringer ...?") or a lead-in that announces it ("To
    spørgsmål fra en gammel dame: Skal jeg sige hvem jeg er?"): those words dilute what is asked.
    Another lead-in stays ("Min søn siger: skal vi ikke bare ...?" is hearsay, read as such)."""
    if not is_question(sentence):
        return sentence
    part = _NUMBERING.sub("", sentence, count=1)
    lead_in, colon, rest = part.partition(":")
    if colon and _question_lead_in().search(fold(lead_in)) and is_question(rest) and len(rest.split()) >= 3:
        part = rest.strip()
    return part


def joined_questions(text: str) -> list[str]:
    """The parts of each question sentence that joins two questions with 'og' ("hvad er SSP, og
    kan jeg ringe anonymt?"); nothing for a sentence that asks one thing."""
    parts = []
    for sentence in sentences(text):
        if not is_question(sentence):
            continue
        clauses = [clause.strip() for clause in _JOINED_QUESTION.split(sentence) if clause.strip()]
        if len(clauses) > 1:
            parts.extend(clauses)
    return parts


def _asks_about_before(sentence: str) -> bool:
    """A question too short to name its topic ("Passer det?", "Er det rigtigt?", "Hvem har ret?")."""
    return is_question(sentence) and len(sentence.split()) < settings()["question"]["words_of_its_own"]


_NUMBERING = re.compile(r"^\s*(?:\d{1,2}|[a-cA-C])[).]\s+")


@cache
def _question_lead_in() -> re.Pattern:
    return word_start_pattern(settings()["question"]["lead_in_words"])


@cache
def _question_words() -> re.Pattern:
    return word_start_pattern([rf"{word}\b" for word in settings()["question"]["question_words"]])


@cache
def _crimes() -> frozenset[str]:
    return frozenset(group.id for group in sign_groups().values() if group.crime)


@cache
def _every_group() -> SignFindings:
    """Every sign group, split by severity."""
    return findings_from_ids(tuple(sign_groups()))


def _sure_of_danger(probability: float, sentence: float | None = None) -> bool:
    """Danger now on the acute reader's word alone: very probable in the whole message, and at least
    a little in one of its sentences or neighbouring pairs (`sentence`; None for a one-sentence
    message). A long letter read as danger now though none of its sentences is tells months of
    signs ("en dag vil han rejse derned"), not danger now."""
    config = settings()["acute"]
    return probability >= config["threshold_alone"] and (sentence is None or sentence >= config["sure_sentence_probability"])


def _is_acute(probability: float, danger: bool, opinion: float | None = None, sentence: float | None = None) -> bool:
    """Danger now: very probable on its own, or probable where the other readers see a danger too.

    Time words ('nu', 'i aften', 'på vej') are everyday words; a message is only read as acute on
    a middling probability when it also describes violence, weapons, a crisis or a hate crime
    (a serious sign at least `danger_sign_probability` probable in the whole message, lower than its
    threshold as a sign, or one read in a single sentence of a longer message).
    In the lower part of that band, long descriptions of serious signs over time look alike to the
    reader, so the intent classifier (other features, other examples) must see acute danger too:
    `opinion` is its confidence; without one (the reader alone, or an English message, which the
    classifier takes for `english` whatever it says), the band counts as acute. One sentence of a
    long letter at least `sentence_alone` probably about danger now (`sentence`) seconds the reader
    too: the sentences around it dilute the whole message for the classifier as for the reader.
    """
    config = settings()["acute"]
    if probability >= config["threshold_alone"]:
        return True
    if not danger:
        return False
    if probability >= config["threshold_with_danger"]:
        return True
    if (sentence or 0.0) >= config["sentence_sure"] and probability >= config["threshold_with_a_sure_sentence"]:
        return True  # "... han tager sin fars haglgevær med i skole i morgen og skyder ..." among other sentences
    seconded = (opinion is None or opinion >= config["classifier_minimum"]
                or (sentence or 0.0) >= config["sentence_alone"])
    return seconded and probability >= config["threshold_with_danger_and_classifier"]


def _thresholds(config: dict, labels: Sequence[str]) -> dict[str, float]:
    per_label = config.get("thresholds") or {}
    return {label: per_label.get(label, config["threshold"]) for label in labels}
