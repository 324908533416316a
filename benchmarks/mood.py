"""Live mood's figures: detection time per camera frame on one core (p50/p95, for the 640×480 frames a camera
gives and the 320×240 frames the mood page sends, with a face and without); the classifier's cross-validated
accuracy, recall per mood, confusion matrices and calibration on the training CSVs; then, through one running
daphne and the Redis channel layer, frame → songs pushed and how many camera sockets it keeps answering
(benchmarks/mood_live.py says how).

    DEBUG=1 .venv/bin/python benchmarks/mood.py [--frames 200] [--csv-dir DIR] [--sockets 50,100,200,300]
        [--seconds 20] [--changes 12] [--no-live] [IMAGE …]

IMAGE: photos to make frames from (default: the test faces). The live part runs against the embedded servers under
var/ (or DATABASE_URL / REDIS_URL).
"""

import os

# One core, as each detection thread gets under load: no BLAS/OpenMP fan-out here (read as the libraries load;
# dropped again below so the daphne the live part starts runs as deployed).
ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for variable in ONE_THREAD:
    os.environ[variable] = "1"

import argparse  # noqa: E402
import io  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from benchmarks import mood_live  # noqa: E402
from emotions import classifier  # noqa: E402
from emotions.detection import detect_face, detection_warm  # noqa: E402

for variable in ONE_THREAD:
    del os.environ[variable]

FACES = ROOT / "tests" / "emotions" / "faces"
DEFAULT_IMAGES = [FACES / "astronaut.jpg", FACES / "grace_hopper.jpg"]
NO_FACE = FACES / "coffee.jpg"
FRAME_SIZES = [(640, 480), (320, 240)]


def camera_frame(path: Path, size: tuple[int, int]) -> bytes:
    """The photo as a camera would frame it at `size`, JPEG-encoded as a browser's canvas does (quality 0.8)."""
    with Image.open(path) as image:
        frame = ImageOps.pad(image.convert("RGB"), size, color=(128, 128, 128))
    buffer = io.BytesIO()
    frame.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def time_frames(frames: list[bytes], count: int) -> tuple[float, float, int]:
    timings = []
    for n in range(count):
        frame = frames[n % len(frames)]
        started = time.perf_counter()
        reading = detect_face(frame)
        timings.append((time.perf_counter() - started) * 1000)
    return mood_live.percentile(timings, 0.5), mood_live.percentile(timings, 0.95), reading.faces


def print_detection(images: list[Path], count: int) -> None:
    # Pinned to one CPU while timing (the landmarker's own inference threads, made now, included), then freed.
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        _print_detection(images, count)
    finally:
        os.sched_setaffinity(0, cpus)


def _print_detection(images: list[Path], count: int) -> None:
    detection_warm()
    print(f"Detection per frame, one core ({count} frames each, after warm-up):")
    for size in FRAME_SIZES:
        for what, paths in (("face", images), ("no face", [NO_FACE])):
            frames = [camera_frame(path, size) for path in paths]
            for frame in frames:
                detect_face(frame)
            p50, p95, faces = time_frames(frames, count)
            kilobytes = statistics.mean(len(frame) for frame in frames) / 1024
            print(f"  {size[0]}×{size[1]} JPEG ({kilobytes:.0f} KB), {what:7}: p50 {p50:5.1f} ms, "
                  f"p95 {p95:5.1f} ms  (faces found: {faces})")
    scores = {feature: 0.1 for feature in classifier.shipped().card["features"]}
    started = time.perf_counter()
    for _ in range(count):
        classifier.shipped().estimate(scores)
    print(f"  of which the classifier: {(time.perf_counter() - started) / count * 1000:.2f} ms per face")


def print_cross_validation(csv_dir: Path) -> None:
    data = classifier.training_data(csv_dir)
    started = time.perf_counter()
    figures = classifier.cross_validate(data)
    seconds = time.perf_counter() - started
    print(f"\nClassifier, held out (each fold predicted by a model trained without it; {seconds:.0f} s):")
    for dataset, result in figures.items():
        print(f"\n  {dataset}: accuracy {result['accuracy']:.3f} over {result['rows']} held-out rows, "
              f"Brier {result['brier']:.3f}, ECE {result['ece']:.3f}")
        moods = result["confusion"]["moods"]
        print("    true \\ predicted " + " ".join(f"{mood[:7]:>8}" for mood in moods) + "   recall")
        for mood, row in zip(result["confusion"]["true_moods"], result["confusion"]["rows_true_columns_predicted"]):
            print(f"    {mood:17} " + " ".join(f"{n:8d}" for n in row) + f"   {result['recall'][mood]:.3f}")
    shipped = classifier.shipped().card["cross_validation"]
    same = all(shipped[name]["accuracy"] == figures[name]["accuracy"] for name in figures)
    print(f"\n  The shipped model's card records {'the same figures' if same else 'different figures: retrain'}.")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("images", nargs="*", type=Path, default=DEFAULT_IMAGES)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--csv-dir", type=Path, default=settings.DEMO_DATA_DIR / "faces")
    parser.add_argument("--sockets", default="50,100,200,300")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--changes", type=int, default=12)
    parser.add_argument("--no-live", action="store_true", help="detection and the classifier only")
    arguments = parser.parse_args()
    print_detection(arguments.images, arguments.frames)
    print_cross_validation(arguments.csv_dir)
    if not arguments.no_live:
        print()
        mood_live.run(steps=[int(step) for step in arguments.sockets.split(",")], seconds=arguments.seconds,
                      changes=arguments.changes)


if __name__ == "__main__":
    main()
