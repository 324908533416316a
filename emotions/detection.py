"""A mood from a face in one image: the live camera's frames and `manage.py mood_detect`'s files take this same
path. MediaPipe's Face Landmarker finds the faces and gives the largest one's 52 blendshape scores; the shipped
classifier turns them into the seven face moods. Images are read from memory and dropped: never stored, never
logged."""

import functools
import hashlib
import io
import threading
from dataclasses import dataclass
from pathlib import Path

import mediapipe
import numpy as np
from mediapipe.tasks.python.core.base_options import BaseOptions
from mediapipe.tasks.python.vision import face_landmarker
from PIL import Image, ImageOps

from emotions import classifier
from emotions.moods import MoodEstimate

LANDMARKER_PATH = Path(__file__).resolve().parent / "mood_model" / "face_landmarker.task"
LANDMARKER_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"

# The classifier's training rows came from crops upscaled (bicubic) to 192×192 and from the Face Landmarker with
# these thresholds (the faces fixtures' README): a small image gets the same, so its scores read alike.
MIN_SIDE = 192
MIN_CONFIDENCE = 0.3
# Enough to know there is more than one face; the largest is the listener.
MAX_FACES = 4
# A few hundred KB of JPEG can declare a gigapixel canvas: refuse what no camera or photo needs, and shrink big
# photos before the landmarker (its detector sees 128×128 anyway).
MAX_PIXELS = 50_000_000
MAX_SIDE = 1920


class UnreadableImage(ValueError):
    """The bytes are not an image we can decode."""


@dataclass(frozen=True)
class FaceReading:
    """What one image shows: how many faces, and the largest one's mood (None when there is no face)."""

    faces: int
    estimate: MoodEstimate | None


def detect_face(image: bytes) -> FaceReading:
    """The mood of the largest face in `image` (JPEG, PNG, WebP, … of any size). Safe to call from many threads."""
    pixels = _rgb_pixels(image)
    result = _landmarker().detect(mediapipe.Image(image_format=mediapipe.ImageFormat.SRGB, data=pixels))
    if not result.face_landmarks:
        return FaceReading(faces=0, estimate=None)
    largest = max(range(len(result.face_landmarks)), key=lambda i: _box_area(result.face_landmarks[i]))
    scores = {category.category_name: category.score for category in result.face_blendshapes[largest]}
    return FaceReading(faces=len(result.face_landmarks), estimate=classifier.shipped().estimate(scores))


def detection_warm() -> None:
    """Load the models now rather than on the first frame. Call it in each worker thread (a thread pool's
    `initializer`) so that thread's landmarker is ready too."""
    classifier.shipped()
    _landmarker()


def _rgb_pixels(image: bytes) -> np.ndarray:
    try:
        picture = Image.open(io.BytesIO(image))
    except (OSError, Image.DecompressionBombError) as error:
        raise UnreadableImage("This is not an image we can read.") from error
    if picture.width * picture.height > MAX_PIXELS:
        raise UnreadableImage(f"The image is {picture.width}×{picture.height}: too large to read.")
    try:
        picture.thumbnail((MAX_SIDE, MAX_SIDE))
        if picture.mode.startswith("I"):
            # 16- and 32-bit greys: Pillow would clip them to 8 bits (all white), not scale them.
            picture = picture.convert("I").point(lambda value: value / 256).convert("L")
        rgb = ImageOps.exif_transpose(picture).convert("RGB")
    except (OSError, ValueError) as error:
        raise UnreadableImage("The image is damaged or cut short.") from error
    # Up to MIN_SIDE on the short side, so long as the long side stays within MAX_SIDE (a sliver is not a face).
    scale = min(MIN_SIDE / min(rgb.size), MAX_SIDE / max(rgb.size))
    if scale > 1:
        rgb = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.BICUBIC)
    return np.asarray(rgb)


def _box_area(landmarks) -> float:
    xs = [point.x for point in landmarks]
    ys = [point.y for point in landmarks]
    return (max(xs) - min(xs)) * (max(ys) - min(ys))


@functools.cache
def _landmarker_model() -> bytes:
    model = LANDMARKER_PATH.read_bytes()
    if hashlib.sha256(model).hexdigest() != LANDMARKER_SHA256:
        raise RuntimeError(f"{LANDMARKER_PATH} is not the Face Landmarker the classifier was trained on.")
    return model


# A landmarker is not safe to share between threads: each thread gets its own, made on its first frame.
_per_thread = threading.local()


def _landmarker() -> face_landmarker.FaceLandmarker:
    if not hasattr(_per_thread, "landmarker"):
        options = face_landmarker.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=_landmarker_model()),
            num_faces=MAX_FACES,
            output_face_blendshapes=True,
            min_face_detection_confidence=MIN_CONFIDENCE,
            min_face_presence_confidence=MIN_CONFIDENCE,
        )
        _per_thread.landmarker = face_landmarker.FaceLandmarker.create_from_options(options)
    return _per_thread.landmarker

