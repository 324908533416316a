"""The face-mood classifier: the shipped model is the one its training recorded, and training rebuilds it."""

import csv
import hashlib
import io
from pathlib import Path

import joblib
import pytest
import sklearn
from django.conf import settings
from django.core.management import CommandError, call_command

from emotions import classifier
from emotions.moods import FACE_MOODS, circumplex_point

TRAINING_CSVS = settings.DEMO_DATA_DIR / "faces"


def rows_of(path: Path) -> list[dict]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def write_rows(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def small_training_set(tmp_path):
    """A few rows of every mood from each CSV (every CK+ subject's first photo of each mood, at most 8 per mood)."""
    wild = rows_of(TRAINING_CSVS / classifier.FER_CSV)
    write_rows(tmp_path / classifier.FER_CSV, [row for mood in FACE_MOODS
                                                 for row in [r for r in wild if r["label"] == mood][:25]])
    posed, seen = [], set()
    for row in rows_of(TRAINING_CSVS / classifier.CK_CSV):
        key = (row["subject"], row["label"])
        if key not in seen and sum(r["label"] == row["label"] for r in posed) < 8:
            seen.add(key)
            posed.append(row)
    write_rows(tmp_path / classifier.CK_CSV, posed)
    return tmp_path


def test_the_shipped_model_is_the_one_trained_on_the_shared_rows():
    card = classifier.shipped().card

    wild_rows = rows_of(TRAINING_CSVS / classifier.FER_CSV)
    assert card["features"] == [column for column in wild_rows[0] if column not in classifier.ID_COLUMNS]
    assert card["moods"] == list(FACE_MOODS)
    assert sorted(classifier.shipped().model.classes_) == sorted(FACE_MOODS)
    assert card["sklearn"] == sklearn.__version__
    for name in (classifier.FER_CSV, classifier.CK_CSV):
        content = (TRAINING_CSVS / name).read_bytes()
        assert card["training_data"][name]["sha256"] == hashlib.sha256(content).hexdigest()
        assert card["training_data"][name]["rows"] == len(rows_of(TRAINING_CSVS / name))
    assert set(card["cross_validation"]) == {"fer2013", "ck+"}


def test_the_shipped_model_gives_each_face_a_probability_of_every_mood():
    rows = rows_of(TRAINING_CSVS / classifier.FER_CSV)[::500]
    shipped = classifier.shipped()

    for row in rows:
        estimate = shipped.estimate({feature: float(row[feature]) for feature in shipped.card["features"]})
        assert list(estimate.probabilities) == list(FACE_MOODS)
        assert sum(estimate.probabilities.values()) == pytest.approx(1, abs=0.001)
        assert estimate.label == max(estimate.probabilities, key=estimate.probabilities.get)
        assert estimate.confidence == estimate.probabilities[estimate.label]
        assert (estimate.valence, estimate.arousal) == circumplex_point(estimate.probabilities)


def test_training_writes_a_model_that_loads_and_the_same_rows_give_the_same_model(small_training_set, tmp_path):
    first, second = tmp_path / "first.joblib", tmp_path / "second.joblib"

    call_command("train_mood_model", str(small_training_set), output=first, stdout=io.StringIO())
    call_command("train_mood_model", str(small_training_set), output=second, stdout=io.StringIO())

    trained, again = classifier.load(first), classifier.load(second)
    assert trained.card == again.card
    posed_rows = rows_of(small_training_set / classifier.CK_CSV)
    assert trained.card["training_data"][classifier.CK_CSV]["rows"] == len(posed_rows)
    assert set(trained.card["cross_validation"]["ck+"]["recall"]) == set(FACE_MOODS) - {"neutral"}
    faces = [{feature: float(row[feature]) for feature in trained.card["features"]} for row in posed_rows]
    estimates = [trained.estimate(face) for face in faces]
    assert estimates == [again.estimate(face) for face in faces]
    assert all(sum(estimate.probabilities.values()) == pytest.approx(1, abs=0.001) for estimate in estimates)


def test_training_tells_what_is_missing(tmp_path):
    with pytest.raises(CommandError, match="Cannot read the training CSVs"):
        call_command("train_mood_model", str(tmp_path), output=tmp_path / "model.joblib")

    assert not (tmp_path / "model.joblib").exists()


def test_a_model_saved_by_another_scikit_learn_is_refused_with_what_to_do(tmp_path):
    shipped = classifier.shipped()
    old = tmp_path / "old.joblib"
    joblib.dump({"card": shipped.card | {"sklearn": "1.0.2"}, "model": shipped.model}, old)

    with pytest.raises(classifier.ModelMismatch, match="train_mood_model"):
        classifier.load(old)


def test_a_face_reads_the_same_mood_in_a_mirror():
    """Cameras and pages may or may not mirror the picture; the mood must not depend on it."""
    shipped = classifier.shipped()
    for row in rows_of(TRAINING_CSVS / classifier.CK_CSV)[::60]:
        face = {feature: float(row[feature]) for feature in shipped.card["features"]}
        mirrored = {
            feature.replace("Left", "\0").replace("Right", "Left").replace("\0", "Right"): score
            for feature, score in face.items()
        }

        assert mirrored != face
        assert shipped.estimate(mirrored) == shipped.estimate(face)
