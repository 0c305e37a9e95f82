"""The suggestion model: hashed character and word n-grams, TF-IDF, linear
classifiers for type, sector and urgent; joined with ``cues`` for urgency.

Sector is the average of two classifiers' probabilities, one on the character
n-grams alone and one on the words (with the cue and concept words) alone; type and
urgent are one classifier each on both together. Chosen by 5-fold cross-validation on
the train split (``docs/suggestions.md``): the pair raised sector accuracy (0.699 →
0.716); for type (0.740 → 0.738) and urgency it did not.

Why this shape (measured in ``docs/suggestions.md``): character n-grams read every
script and spelling (Arabic, Creole written as it sounds, code-mixed messages) with no
tokenizer or word list per language; hashing keeps no vocabulary, so a project's model
holds no fragment of its messages' text, only weights; a linear SVM predicts
thousands of messages a second on one core and trains in about a second.

A trained model is plain arrays (``to_bytes``/``from_bytes``: a NumPy archive, no
pickle, so loading one can't run code), scored here with NumPy and SciPy alone.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from responsemap.triage.rules.matching import normalise_for_rules
from responsemap.triage.suggestions.bars import PROTECTION_BAR, URGENT_ALERT_BAR
from responsemap.triage.suggestions.concepts import concepts_in
from responsemap.triage.suggestions.cues import find_cues
from responsemap.triage.suggestions.dataset import Example
from responsemap.triage.suggestions.features import N_FEATURES, unit_rows
from responsemap.triage.suggestions.features import counts as hashed_counts

# 2: features hashed by ``features`` (CRC-32), not scikit-learn; 3: digits folded;
# 4: sector a character head and a word head, averaged.
FORMAT = 4
# The urgent threshold is set so that this share of the training set's urgent messages
# (scored by cross-validation, never on themselves) reach it; then capped, so a model
# trained on few examples still leans to "urgent" when unsure.
URGENT_RECALL_GOAL = 0.98
URGENT_THRESHOLD_RANGE = (0.05, 0.5)
# Confidence shown for a cue the model did not back.
CUE_CONFIDENCE = 0.9


def normalised(texts: Iterable[str]) -> list[str]:
    """The texts as the rules see them, a question mark kept as a word ("zzqmark")."""
    return [
        normalise_for_rules(text) + (" zzqmark" if "?" in text or "\u061f" in text else "")
        for text in texts
    ]


def with_cues(norm_text: str) -> str:
    """The text with a word for each kind of cue found in it ("zzcue_medical") and each
    concept (``concepts``: "zzk_water"): the model learns how far each is to be trusted,
    in each context."""
    kinds = find_cues(norm_text).kinds
    return (
        norm_text
        + "".join(f" zzcue_{kind}" for kind in kinds)
        + "".join(f" zzk_{concept}" for concept in concepts_in(norm_text))
    )


def counts(norm_texts: Sequence[str]) -> sp.csr_matrix:
    """The hashed n-gram counts of texts already normalised (characters and words share
    one space: a collision costs little)."""
    return hashed_counts(norm_texts, [with_cues(t) for t in norm_texts])


def views(norm_texts: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The hashed counts of the character n-grams alone and of the word n-grams (with
    cue and concept words) alone; their sum is ``counts``."""
    blank = [""] * len(norm_texts)
    return (
        hashed_counts(norm_texts, blank),
        hashed_counts(blank, [with_cues(t) for t in norm_texts]),
    )


@dataclass(frozen=True)
class Head:
    """One linear classifier over the features: its classes, weights and intercepts.
    Binary heads keep one row of weights (the positive class), as scikit-learn does."""

    classes: tuple[str, ...]
    coef: sp.csr_matrix  # (rows, N_FEATURES), sparse: only n-grams seen in training
    intercept: np.ndarray
    # The weights by feature (N_FEATURES, rows), made once: a product with the
    # transpose would convert the whole matrix at every call.
    by_feature: sp.csr_matrix = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_feature", sp.csr_matrix(self.coef.T))

    def probabilities(self, features: sp.csr_matrix) -> np.ndarray:
        scores = np.asarray((features @ self.by_feature).todense()) + self.intercept
        return _from_scores(self, scores)


@dataclass(frozen=True)
class Suggested:
    type_code: str
    type_confidence: float
    sector: str
    sector_confidence: float
    urgent: bool
    urgent_confidence: float
    protection: bool
    protection_confidence: float
    cues: tuple[str, ...] = ()
    # Urgent above the stricter alert bar (``bars``): the record is raised and alerted
    # on. ``urgent`` without ``alert`` is shown as "possibly urgent", nothing more.
    alert: bool = False
    # The model's probabilities before any bar (the benchmark chooses bars on them).
    urgent_score: float = 0.0
    protection_score: float = 0.0

    @property
    def confidence(self) -> float:
        """One figure for the suggestion: its weakest part's (type or sector)."""
        return min(self.type_confidence, self.sector_confidence)


@dataclass(frozen=True)
class Suggester:
    idf: np.ndarray  # (N_FEATURES,) float32, of characters and words together
    char_idf: np.ndarray  # of the character n-grams alone
    word_idf: np.ndarray  # of the word n-grams alone
    type_head: Head  # on characters and words together
    sector_head: Head  # on the character n-grams alone
    sector_word_head: Head  # on the word n-grams alone
    urgent_head: Head  # on characters and words together
    urgent_threshold: float
    examples: int

    # -- scoring --------------------------------------------------------------------

    def features(
        self, norm_texts: Sequence[str]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
        """Weighted features: characters alone, words alone, both."""
        chars, words = views(norm_texts)
        return (
            _weighted(chars, self.char_idf),
            _weighted(words, self.word_idf),
            _weighted(chars + words, self.idf),
        )

    def suggest(
        self,
        texts: Sequence[str],
        allowed: Mapping[str, Iterable[str]] | None = None,
        *,
        cue_union: bool = True,
    ) -> list[Suggested]:
        """A suggestion per text. ``allowed``: for "type_code" and "sector", the codes
        that may be suggested (a project's active codes); others are never offered.
        ``cue_union`` False: urgent by the model's score alone (the benchmark compares).

        Urgent (shown) at the model's threshold; alert at ``bars.URGENT_ALERT_BAR`` (never
        below the shown one); either by a cue too. Protection by a cue, by the type or
        sector suggested, or by a "protection" probability at ``bars.PROTECTION_BAR``."""
        if not texts:
            return []
        norm = normalised(texts)
        chars, words, both = self.features(norm)
        allowed = allowed or {}
        types = _masked(
            self.type_head.classes,
            self.type_head.probabilities(both),
            allowed.get("type_code"),
        )
        sectors = _masked(
            self.sector_head.classes,
            _averaged(self.sector_head, self.sector_word_head, chars, words),
            allowed.get("sector"),
        )
        urgent_p = self.urgent_head.probabilities(both)[:, 1]
        type_index = {code: n for n, code in enumerate(self.type_head.classes)}
        sector_index = {code: n for n, code in enumerate(self.sector_head.classes)}
        alert_bar = max(URGENT_ALERT_BAR, self.urgent_threshold)
        found: list[Suggested] = []
        for n, text in enumerate(norm):
            cue = find_cues(text)
            t, s = int(types[n].argmax()), int(sectors[n].argmax())
            p_urgent = float(urgent_p[n])
            urgent = p_urgent >= self.urgent_threshold or (cue_union and cue.urgent)
            alert = p_urgent >= alert_bar or (cue_union and cue.urgent)
            p_protection = max(
                float(types[n][type_index["protection"]]) if "protection" in type_index else 0.0,
                float(sectors[n][sector_index["protection"]])
                if "protection" in sector_index
                else 0.0,
            )
            type_code, sector = self.type_head.classes[t], self.sector_head.classes[s]
            protection = (
                cue.protection
                or "protection" in (type_code, sector)
                or p_protection >= PROTECTION_BAR
            )
            found.append(
                Suggested(
                    type_code=type_code,
                    type_confidence=round(float(types[n][t]), 3),
                    sector=sector,
                    sector_confidence=round(float(sectors[n][s]), 3),
                    urgent=urgent,
                    urgent_confidence=round(
                        max(p_urgent, CUE_CONFIDENCE if cue.urgent else 0.0)
                        if urgent
                        else 1.0 - p_urgent,
                        3,
                    ),
                    protection=protection,
                    protection_confidence=round(
                        max(p_protection, CUE_CONFIDENCE if cue.protection else 0.0)
                        if protection
                        else 1.0 - p_protection,
                        3,
                    ),
                    cues=cue.kinds,
                    alert=alert,
                    urgent_score=p_urgent,
                    protection_score=p_protection,
                )
            )
        return found

    # -- storing --------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        arrays: dict[str, np.ndarray] = {
            "format": np.array([FORMAT]),
            "idf": self.idf.astype(np.float32),
            "char_idf": self.char_idf.astype(np.float32),
            "word_idf": self.word_idf.astype(np.float32),
            "urgent_threshold": np.array([self.urgent_threshold]),
            "examples": np.array([self.examples]),
        }
        for name, head in self._heads().items():
            arrays[f"{name}_classes"] = np.array(head.classes, dtype=str)
            arrays[f"{name}_data"] = head.coef.data.astype(np.float32)
            arrays[f"{name}_indices"] = head.coef.indices.astype(np.int32)
            arrays[f"{name}_indptr"] = head.coef.indptr.astype(np.int32)
            arrays[f"{name}_intercept"] = head.intercept.astype(np.float64)
        out = io.BytesIO()
        np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
        return out.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Suggester:
        with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
            if int(arrays["format"][0]) != FORMAT:
                raise ValueError("a suggestion model of another format")
            heads = {}
            for name in ("type", "sector", "sector_word", "urgent"):
                classes = tuple(str(c) for c in arrays[f"{name}_classes"])
                coef = sp.csr_matrix(
                    (
                        arrays[f"{name}_data"],
                        arrays[f"{name}_indices"],
                        arrays[f"{name}_indptr"],
                    ),
                    shape=(len(arrays[f"{name}_indptr"]) - 1, N_FEATURES),
                )
                heads[name] = Head(classes, coef, arrays[f"{name}_intercept"].copy())
            return cls(
                idf=arrays["idf"].copy(),
                char_idf=arrays["char_idf"].copy(),
                word_idf=arrays["word_idf"].copy(),
                type_head=heads["type"],
                sector_head=heads["sector"],
                sector_word_head=heads["sector_word"],
                urgent_head=heads["urgent"],
                urgent_threshold=float(arrays["urgent_threshold"][0]),
                examples=int(arrays["examples"][0]),
            )

    def _heads(self) -> dict[str, Head]:
        return {
            "type": self.type_head,
            "sector": self.sector_head,
            "sector_word": self.sector_word_head,
            "urgent": self.urgent_head,
        }


def _weighted(raw: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear term frequency × idf, each row scaled to unit length."""
    matrix = sp.csr_matrix(raw, dtype=np.float32, copy=True)
    matrix.data = (np.log1p(matrix.data) * idf[matrix.indices]).astype(np.float32)
    return unit_rows(matrix)


def _averaged(
    char_head: Head, word_head: Head, chars: sp.csr_matrix, words: sp.csr_matrix
) -> np.ndarray:
    """The mean of the two heads' probabilities (trained on the same labels, so with
    the same classes in the same order)."""
    return np.asarray((char_head.probabilities(chars) + word_head.probabilities(words)) / 2.0)


def _masked(
    classes: Sequence[str], probabilities: np.ndarray, allowed: Iterable[str] | None
) -> np.ndarray:
    if allowed is None:
        return probabilities
    keep = set(allowed)
    mask = np.array([code in keep for code in classes])
    if not mask.any():
        return probabilities
    probabilities = probabilities * mask
    total = probabilities.sum(axis=1, keepdims=True)
    total[total == 0] = 1.0
    return np.asarray(probabilities / total)


# -- training ----------------------------------------------------------------------

C_VALUE = 1.0
# Folds of the cross-validation that sets the urgent threshold (a tail of the urgent
# examples' scores: it needs models trained on most of the data) and of the one that
# fits the type's and sector's temperature (one number: 3 folds set it as well as 5 on
# the held-aside set, and save 40% of the training time of 2,353 messages).
FOLDS = 5
CALIBRATION_FOLDS = 3
TEMPERATURES = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 14.0)


def train(examples: Sequence[Example]) -> Suggester:
    """A model from labelled examples (deterministic: same examples, same model)."""
    if not examples:
        raise ValueError("no examples to learn from")
    norm = normalised(e.text for e in examples)
    raw_chars, raw_words = views(norm)
    raw = raw_chars + raw_words
    idf, char_idf, word_idf = _idf(raw), _idf(raw_chars), _idf(raw_words)
    features = _weighted(raw, idf)
    chars, words = _weighted(raw_chars, char_idf), _weighted(raw_words, word_idf)
    weights = np.array([e.weight for e in examples], dtype=np.float64)
    # Types weighted by class (rumours, suggestions and thanks are few): it raised type
    # accuracy on the held-aside set (0.720 → 0.746); for sectors it did not (0.751 →
    # 0.748), so they are left as they are.
    type_labels, sector_labels = [e.type_code for e in examples], [e.sector for e in examples]
    type_head = _fit_calibrated(features, type_labels, weights, balanced=True)
    sector_head = _fit_calibrated(chars, sector_labels, weights)
    sector_word_head = _fit_calibrated(words, sector_labels, weights)
    urgent_labels = ["yes" if e.urgent else "no" for e in examples]
    cued = np.array([find_cues(text).urgent for text in norm])
    urgent_head, threshold = _fit_urgent(features, urgent_labels, weights, cued)
    return Suggester(
        idf=idf,
        char_idf=char_idf,
        word_idf=word_idf,
        type_head=type_head,
        sector_head=sector_head,
        sector_word_head=sector_word_head,
        urgent_head=urgent_head,
        urgent_threshold=threshold,
        examples=len(examples),
    )


def _idf(raw: sp.csr_matrix) -> np.ndarray:
    documents = raw.shape[0]
    frequency = np.bincount(raw.indices, minlength=N_FEATURES)
    return np.asarray(np.log((1 + documents) / (1 + frequency)) + 1.0, dtype=np.float32)


def _fit(
    features: sp.csr_matrix,
    labels: Sequence[str],
    weights: np.ndarray,
    *,
    balanced: bool = False,
    temperature: float = 1.0,
) -> Head:
    """A linear SVM (one-vs-rest; fast on sparse n-grams, and it beat logistic
    regression on our data), its scores turned into probabilities by ``temperature``."""
    classes = sorted(set(labels))
    if len(classes) < 2:
        # One class only: it, always (a classifier needs two to learn).
        rows = 1
        intercept = np.array([10.0 if classes == ["yes"] else -10.0])
        return Head(
            ("no", "yes") if classes[0] in ("no", "yes") else (classes[0], classes[0]),
            sp.csr_matrix((rows, N_FEATURES), dtype=np.float32),
            intercept,
        )
    # Imported here, not at the top: scikit-learn (with scipy.stats) costs a process
    # ~75 MB and seconds to load, and only training needs it (``features``' header).
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=C_VALUE, class_weight="balanced" if balanced else None, random_state=0)
    model.fit(features, labels, sample_weight=weights)
    coef = sp.csr_matrix(model.coef_.astype(np.float32) * temperature)
    coef.eliminate_zeros()
    return Head(
        tuple(str(c) for c in model.classes_),
        coef,
        np.asarray(model.intercept_, dtype=np.float64) * temperature,
    )


def _cross_scores(
    features: sp.csr_matrix,
    labels: Sequence[str],
    weights: np.ndarray,
    *,
    balanced: bool = False,
    folds: int = FOLDS,
) -> tuple[tuple[str, ...], np.ndarray] | None:
    """Each example's raw scores from a model that did not see it (``folds`` folds, in
    a fixed order), or None when there are too few examples to fold."""
    classes = tuple(sorted(set(labels)))
    if len(labels) < folds * 2 or len(classes) < 2:
        return None
    order = np.arange(len(labels))
    rows = 1 if len(classes) == 2 else len(classes)
    scores = np.zeros((len(labels), rows))
    for fold in range(folds):
        test = order % folds == fold
        kept = [label for label, t in zip(labels, test, strict=True) if not t]
        head = _fit(features[~test], kept, weights[~test], balanced=balanced)
        if head.classes != classes:
            return None  # a class missing from a fold: too few to fold
        scores[test] = np.asarray((features[test] @ head.by_feature).todense()) + head.intercept
    return classes, scores


def _fit_calibrated(
    features: sp.csr_matrix,
    labels: Sequence[str],
    weights: np.ndarray,
    *,
    balanced: bool = False,
) -> Head:
    """A head whose probabilities are calibrated: the temperature that gives the
    cross-validated scores the lowest log-loss. ``balanced``: classes weighted so that
    each counts as much, however few its examples."""
    folded = _cross_scores(features, labels, weights, balanced=balanced, folds=CALIBRATION_FOLDS)
    temperature = 3.0
    if folded is not None:
        classes, scores = folded
        index = {c: n for n, c in enumerate(classes)}
        truth = np.array([index[label] for label in labels])
        best = float("inf")
        for t in TEMPERATURES:
            head = Head(classes, sp.csr_matrix((scores.shape[1], 1)), np.zeros(scores.shape[1]))
            probabilities = _from_scores(head, scores * t)
            loss = -np.mean(np.log(probabilities[np.arange(len(truth)), truth] + 1e-9))
            if loss < best:
                best, temperature = loss, t
    return _fit(features, labels, weights, balanced=balanced, temperature=temperature)


def _from_scores(head: Head, scores: np.ndarray) -> np.ndarray:
    if len(head.classes) == 2:
        positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1.0 - positive, positive])
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def _fit_urgent(
    features: sp.csr_matrix, labels: Sequence[str], weights: np.ndarray, cued: np.ndarray
) -> tuple[Head, float]:
    """The urgent head (classes weighted so the rarer urgent class counts as much) and
    its threshold: the highest at which ``URGENT_RECALL_GOAL`` of the urgent examples
    are found — by the score of a model that did not see them, or by a cue (``cued``),
    as the two are joined when suggesting."""
    low, high = URGENT_THRESHOLD_RANGE
    folded = _cross_scores(features, labels, weights, balanced=True)
    temperature, threshold = 3.0, low
    is_urgent = np.array(labels) == "yes"
    if folded is not None and is_urgent.any():
        _classes, scores = folded
        probabilities = 1.0 / (1.0 + np.exp(-temperature * scores[is_urgent, 0]))
        missed_by_cues = np.sort(probabilities[~cued[is_urgent]])
        # How many urgent examples may go unfound, and the threshold that finds the rest.
        allowed = int(np.floor((1 - URGENT_RECALL_GOAL) * int(is_urgent.sum())))
        threshold = float(missed_by_cues[allowed]) if len(missed_by_cues) > allowed else high
        threshold = min(max(threshold, low), high)
    return _fit(features, labels, weights, balanced=True, temperature=temperature), threshold
