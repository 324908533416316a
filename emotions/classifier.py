"""The face-mood classifier: from a face's 52 Face Landmarker blendshape scores to calibrated probabilities of the
seven face moods. Trained by `manage.py train_mood_model` on labelled rows (FER-2013, in the wild; CK+, posed)
and shipped as one file with a card saying what it was trained on and how well it did."""

import csv
import functools
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import sklearn
from scipy.special import logit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from emotions.moods import FACE_MOODS, MoodEstimate, circumplex_point

MODEL_PATH = Path(__file__).resolve().parent / "mood_model" / "mood_classifier.joblib"
FER_CSV = "fer2013_train_blendshapes.csv"
CK_CSV = "ck48_subjects_a_blendshapes.csv"
SEED = 13
FOLDS = 5
POSED_WEIGHT = 7
# Columns of the training CSVs that are not blendshape scores.
ID_COLUMNS = {"label", "file", "git_blob", "subject"}


class ModelMismatch(RuntimeError):
    """The shipped model file cannot be used with the installed libraries: retrain it."""


@dataclass(frozen=True)
class LabelledFaces:
    """Blendshape rows with their mood labels; `groups` keeps one person's photos in one fold."""

    scores: np.ndarray
    labels: np.ndarray
    groups: np.ndarray | None


@dataclass(frozen=True)
class TrainingData:
    features: tuple[str, ...]
    in_the_wild: LabelledFaces
    posed: LabelledFaces
    sources: dict[str, dict]


def training_data(csv_dir: Path) -> TrainingData:
    """The two labelled CSVs in `csv_dir`."""
    features, in_the_wild, fer_source = _read_faces(csv_dir / FER_CSV, group_column=None)
    posed_features, posed, ck_source = _read_faces(csv_dir / CK_CSV, group_column="subject")
    if posed_features != features:
        raise ValueError(f"{CK_CSV} and {FER_CSV} list different blendshape columns.")
    return TrainingData(features, in_the_wild, posed, {FER_CSV: fer_source, CK_CSV: ck_source})


def _read_faces(path: Path, *, group_column: str | None):
    content = path.read_bytes()
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    if not rows:
        raise ValueError(f"{path.name} has no rows.")
    features = tuple(column for column in rows[0] if column not in ID_COLUMNS)
    unknown = {row["label"] for row in rows} - set(FACE_MOODS)
    if unknown:
        raise ValueError(f"{path.name} has labels that are not face moods: {sorted(unknown)}")
    faces = LabelledFaces(
        scores=np.array([[float(row[feature]) for feature in features] for row in rows]),
        labels=np.array([row["label"] for row in rows]),
        groups=np.array([row[group_column] for row in rows]) if group_column else None,
    )
    return features, faces, {"sha256": hashlib.sha256(content).hexdigest(), "rows": len(rows)}


def mirrored_logit_scores(scores: np.ndarray, *, features: tuple[str, ...]) -> np.ndarray:
    """Features a mood reads alike on either side of the face: each left/right pair's mean and how much the sides
    differ, plus the unpaired scores but `_neutral` (always 0). A mirrored face gives the same features, so mirrored
    copies of training rows would add nothing. Scores are on a logit scale: most sit near 0 and some near 1, and
    small movements at either end matter (held out, logit reads both datasets at least as well as log)."""
    logits = logit(np.clip(scores, 1e-4, 1 - 1e-4))
    left = [i for i, name in enumerate(features) if name.endswith("Left")]
    right = [features.index(features[i].removesuffix("Left") + "Right") for i in left]
    unpaired = [i for i, name in enumerate(features) if not name.endswith(("Left", "Right")) and name != "_neutral"]
    return np.hstack(
        [(logits[:, left] + logits[:, right]) / 2, np.abs(logits[:, left] - logits[:, right]), logits[:, unpaired]]
    )


def new_model(features: tuple[str, ...]):
    """The untrained estimator: a soft vote of three models on mirrored logit scores, each calibrated on held-out
    predictions (isotonic for the SVM's margins, temperature scaling for the two that give probabilities).
    Held out, it reads in-the-wild faces better than any member alone (or gradient boosting, or logistic regression
    on raw scores), posed faces as well as the best member, and its probabilities are the best calibrated."""
    def calibrated(estimator, method: str):
        return CalibratedClassifierCV(
            estimator, method=method, cv=StratifiedKFold(FOLDS, shuffle=True, random_state=SEED), ensemble=False
        )

    return make_pipeline(
        FunctionTransformer(mirrored_logit_scores, kw_args={"features": tuple(features)}),
        StandardScaler(),
        VotingClassifier(
            [
                ("svm", calibrated(SVC(C=3, gamma=0.03), "isotonic")),
                ("mlp", calibrated(MLPClassifier((128, 64), alpha=1, max_iter=300, early_stopping=True,
                                                 random_state=SEED), "temperature")),
                ("logistic", calibrated(LogisticRegression(max_iter=3000), "temperature")),
            ],
            voting="soft",
        ),
    )


def _fit(features: tuple[str, ...], wild: tuple[np.ndarray, np.ndarray], posed: tuple[np.ndarray, np.ndarray]):
    # Posed rows weigh more: they are few (540 against 3,429) and clean, and unweighted the noisy in-the-wild
    # labels drown them.
    weights = np.concatenate([np.ones(len(wild[1])), np.full(len(posed[1]), POSED_WEIGHT)])
    return new_model(features).fit(
        np.vstack([wild[0], posed[0]]),
        np.concatenate([wild[1], posed[1]]),
        votingclassifier__sample_weight=weights,
    )


def train(data: TrainingData):
    """The model fitted on every row of both datasets."""
    return _fit(
        data.features,
        (data.in_the_wild.scores, data.in_the_wild.labels),
        (data.posed.scores, data.posed.labels),
    )


def cross_validate(data: TrainingData) -> dict[str, dict]:
    """Held-out figures on each dataset, honestly: every fold of one dataset is predicted by a model trained on
    its other folds plus all of the other dataset, and CK+ folds never split a subject."""
    in_the_wild, posed = data.in_the_wild, data.posed
    wild_folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(in_the_wild.scores, in_the_wild.labels)
    posed_folds = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=SEED).split(
        posed.scores, posed.labels, posed.groups
    )
    return {
        "fer2013": _held_out(data, "in_the_wild", wild_folds),
        "ck+": _held_out(data, "posed", posed_folds),
    }


def _held_out(data: TrainingData, evaluated: str, folds) -> dict:
    held = getattr(data, evaluated)
    probabilities = np.zeros((len(held.labels), len(FACE_MOODS)))
    for train_rows, test_rows in folds:
        kept = (held.scores[train_rows], held.labels[train_rows])
        if evaluated == "in_the_wild":
            model = _fit(data.features, kept, (data.posed.scores, data.posed.labels))
        else:
            model = _fit(data.features, (data.in_the_wild.scores, data.in_the_wild.labels), kept)
        probabilities[test_rows] = _in_mood_order(model, model.predict_proba(held.scores[test_rows]))
    return _figures(held.labels, probabilities)


def _in_mood_order(model, probabilities: np.ndarray) -> np.ndarray:
    ordered = np.zeros((len(probabilities), len(FACE_MOODS)))
    for column, mood in enumerate(model.classes_):
        ordered[:, FACE_MOODS.index(mood)] = probabilities[:, column]
    return ordered


def _figures(labels: np.ndarray, probabilities: np.ndarray) -> dict:
    present = [mood for mood in FACE_MOODS if mood in set(labels)]
    predicted = np.array(FACE_MOODS)[probabilities.argmax(axis=1)]
    truth = np.array([[label == mood for mood in FACE_MOODS] for label in labels], dtype=float)
    confidence = probabilities.max(axis=1)
    correct = predicted == labels
    # Expected calibration error over ten confidence bins: how far "80 % sure" is from right 80 % of the time.
    bins = np.minimum((confidence * 10).astype(int), 9)
    ece = sum(
        abs(correct[bins == b].mean() - confidence[bins == b].mean()) * (bins == b).mean()
        for b in range(10)
        if (bins == b).any()
    )
    matrix = confusion_matrix(labels, predicted, labels=list(FACE_MOODS))
    return {
        "rows": len(labels),
        "accuracy": round(float(correct.mean()), 4),
        "recall": {mood: round(float((predicted[labels == mood] == mood).mean()), 4) for mood in present},
        "brier": round(float(((probabilities - truth) ** 2).sum(axis=1).mean()), 4),
        "ece": round(float(ece), 4),
        "confusion": {
            "moods": list(FACE_MOODS),
            "rows_true_columns_predicted": [[int(n) for n in row] for row, mood in zip(matrix, FACE_MOODS)
                                            if mood in present],
            "true_moods": present,
        },
    }


def model_card(data: TrainingData, figures: dict) -> dict:
    return {
        "sklearn": sklearn.__version__,
        "features": list(data.features),
        "moods": list(FACE_MOODS),
        "seed": SEED,
        "model": repr(new_model(data.features)),
        "posed_weight": POSED_WEIGHT,
        "training_data": data.sources,
        "cross_validation": figures,
    }


def save(model, card: dict, path: Path) -> None:
    with path.open("wb") as file:
        joblib.dump({"card": card, "model": model}, file, compress=3, protocol=5)


@dataclass(frozen=True)
class MoodClassifier:
    card: dict
    model: object

    def estimate(self, scores: dict[str, float]) -> MoodEstimate:
        """The mood of one face from its blendshape scores by name."""
        row = np.array([[scores[feature] for feature in self.card["features"]]])
        probabilities = _in_mood_order(self.model, self.model.predict_proba(row))[0]
        by_mood = {mood: round(float(p), 4) for mood, p in zip(FACE_MOODS, probabilities)}
        valence, arousal = circumplex_point(by_mood)
        label = max(by_mood, key=by_mood.get)
        return MoodEstimate(label, valence, arousal, confidence=by_mood[label], probabilities=by_mood)


def load(path: Path) -> MoodClassifier:
    with path.open("rb") as file:
        saved = joblib.load(file)
    card = saved["card"]
    if card["sklearn"] != sklearn.__version__:
        raise ModelMismatch(
            f"{path.name} was trained with scikit-learn {card['sklearn']}, this is {sklearn.__version__}: "
            "run `manage.py train_mood_model`."
        )
    return MoodClassifier(card=card, model=saved["model"])


@functools.cache
def shipped() -> MoodClassifier:
    return load(MODEL_PATH)
