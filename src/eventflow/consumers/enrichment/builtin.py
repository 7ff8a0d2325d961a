"""Built-in offline enrichers whose models ship inside their packages.

- ``language``: langdetect (Google's language-detection profiles, bundled in the wheel);
- ``sentiment``: VADER (a lexicon and rules, bundled in the wheel).
Nothing is downloaded at run time.
"""

from __future__ import annotations

import threading
from importlib.metadata import version

from eventflow.consumers.enrichment._plugin import EnricherResult


class LanguageEnricher:
    """Language of a text: ISO 639-1 code and the model's probability."""

    name = "language"

    def __init__(self) -> None:
        from langdetect import DetectorFactory, detect_langs

        DetectorFactory.seed = 0  # deterministic answers for the same text
        self.version = f"langdetect-{version('langdetect')}"
        self._detect = detect_langs
        self._lock = threading.Lock()  # langdetect's shared factory is not thread-safe
        with self._lock:
            self._detect("warm up the language profiles")

    def enrich(self, text: str) -> EnricherResult:
        from langdetect.lang_detect_exception import LangDetectException

        try:
            with self._lock:
                guesses = self._detect(text)
        except LangDetectException:  # no letters at all: nothing to say
            return EnricherResult({"language": "unknown"}, {})
        best = guesses[0]
        return EnricherResult(
            {"language": str(best.lang)}, {"language_probability": round(float(best.prob), 4)}
        )


class SentimentEnricher:
    """VADER sentiment: compound score in [-1, 1] plus a positive/neutral/negative label."""

    name = "sentiment"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.version = f"vader-{version('vaderSentiment')}"
        self._analyzer = SentimentIntensityAnalyzer()

    def enrich(self, text: str) -> EnricherResult:
        scores = self._analyzer.polarity_scores(text)
        compound = float(scores["compound"])
        label = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        return EnricherResult(
            {"sentiment": label},
            {f"sentiment_{k}": float(scores[k]) for k in ("compound", "pos", "neu", "neg")},
        )
