"""A mood from a face in an image, as the live camera and `manage.py mood_detect` get it."""

import io
import json
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image, ImageOps

from emotions.detection import UnreadableImage, detect_face, detection_warm
from emotions.moods import FACE_MOODS
from tests.emotions.camera import y4m_frames, y4m_from_image

FACES = Path(__file__).parent / "faces"
ASTRONAUT = FACES / "astronaut.jpg"
HOPPER = FACES / "grace_hopper.jpg"
NO_FACE = FACES / "coffee.jpg"
# Head and shoulders of each photo, a little wider than the face.
ASTRONAUT_HEAD = (150, 30, 300, 210)
HOPPER_HEAD = (130, 80, 395, 380)


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def head(path: Path, box: tuple[int, int, int, int], height: int) -> Image.Image:
    crop = Image.open(path).convert("RGB").crop(box)
    return crop.resize((round(crop.width * height / crop.height), height), Image.Resampling.LANCZOS)


def side_by_side(large: Image.Image, small: Image.Image) -> bytes:
    frame = Image.new("RGB", (640, 480), (90, 110, 120))
    frame.paste(large, (30, (480 - large.height) // 2))
    frame.paste(small, (640 - small.width - 40, 60))
    return jpeg(frame)


def test_a_smiling_face_reads_happy_and_pleasant():
    reading = detect_face(ASTRONAUT.read_bytes())

    assert reading.faces == 1
    estimate = reading.estimate
    assert estimate.label == "happy"
    assert set(estimate.probabilities) == set(FACE_MOODS)
    assert sum(estimate.probabilities.values()) == pytest.approx(1, abs=0.001)
    assert estimate.confidence == estimate.probabilities["happy"] == max(estimate.probabilities.values())
    assert estimate.valence > 0.2


def test_a_face_that_does_not_smile_is_not_read_happy():
    estimate = detect_face(HOPPER.read_bytes()).estimate

    assert estimate.label != "happy"
    assert estimate.probabilities["happy"] < detect_face(ASTRONAUT.read_bytes()).estimate.probabilities["happy"]


def test_a_photo_without_a_face_has_no_mood():
    reading = detect_face(NO_FACE.read_bytes())

    assert reading.faces == 0
    assert reading.estimate is None


@pytest.mark.parametrize(("large_face", "small_face"), [
    ((ASTRONAUT, ASTRONAUT_HEAD), (HOPPER, HOPPER_HEAD)),
    ((HOPPER, HOPPER_HEAD), (ASTRONAUT, ASTRONAUT_HEAD)),
], ids=["smiling face nearer", "unsmiling face nearer"])
def test_with_two_faces_both_are_counted_and_the_larger_one_read(large_face, small_face):
    large, small = head(*large_face, height=400), head(*small_face, height=200)
    alone = detect_face(jpeg(large)).estimate

    reading = detect_face(side_by_side(large, small))

    assert reading.faces == 2
    assert reading.estimate.label == alone.label
    assert reading.estimate.probabilities["happy"] == pytest.approx(alone.probabilities["happy"], abs=0.15)


def test_a_small_grey_crop_like_the_training_photos_still_shows_a_face():
    crop = ImageOps.grayscale(head(ASTRONAUT, ASTRONAUT_HEAD, height=48)).crop((0, 0, 48, 48))

    reading = detect_face(jpeg(crop, quality=95))

    assert reading.faces == 1
    assert reading.estimate.label == "happy"


@pytest.mark.parametrize("encoding", ["PNG with transparency", "CMYK JPEG", "16-bit grey PNG", "WebP"])
def test_a_photo_in_other_encodings_still_shows_the_face(encoding):
    photo = Image.open(ASTRONAUT)
    image = {
        "PNG with transparency": (photo.convert("RGBA"), "PNG"),
        "CMYK JPEG": (photo.convert("CMYK"), "JPEG"),
        "16-bit grey PNG": (Image.fromarray(np.asarray(photo.convert("L")).astype(np.uint16) * 257), "PNG"),
        "WebP": (photo, "WEBP"),
    }[encoding]
    buffer = io.BytesIO()
    image[0].save(buffer, image[1])

    reading = detect_face(buffer.getvalue())

    assert reading.faces == 1
    assert reading.estimate.probabilities["happy"] > 0.5


def test_a_large_photo_is_read_like_the_same_photo_small():
    large = Image.open(ASTRONAUT).resize((3000, 3000), Image.Resampling.BICUBIC)

    reading = detect_face(jpeg(large))

    assert reading.faces == 1
    assert reading.estimate.label == "happy"


def test_a_thin_strip_is_read_as_no_face_not_blown_up():
    reading = detect_face(jpeg(Image.new("RGB", (4000, 2), (200, 180, 160))))

    assert reading.faces == 0


@pytest.mark.parametrize("image", [
    b"",
    b"not an image at all",
    ASTRONAUT.read_bytes()[: len(ASTRONAUT.read_bytes()) // 2],
    b"\xff\xd8\xff\xe0" + bytes(200),
], ids=["empty", "text", "truncated JPEG", "JPEG header then zeros"])
def test_bytes_that_are_not_a_whole_image_are_unreadable(image):
    with pytest.raises(UnreadableImage):
        detect_face(image)


def test_an_image_declaring_a_giant_canvas_is_refused_before_decoding():
    # A valid PNG header claiming 8000×8000 pixels: a few bytes that would decode to 192 MB of pixels.
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, "PNG")
    png = bytearray(buffer.getvalue())
    png[16:24] = (8000).to_bytes(4, "big") * 2
    png[29:33] = zlib.crc32(png[12:29]).to_bytes(4, "big")

    with pytest.raises(UnreadableImage, match="too large"):
        detect_face(bytes(png))


def test_threads_reading_frames_at_once_get_the_answers_one_thread_gets():
    frames = [ASTRONAUT.read_bytes(), HOPPER.read_bytes(), NO_FACE.read_bytes()] * 4
    one_by_one = [detect_face(frame) for frame in frames]

    with ThreadPoolExecutor(max_workers=3, initializer=detection_warm) as pool:
        at_once = list(pool.map(detect_face, frames))

    assert at_once == one_by_one


def test_the_fake_webcam_video_shows_the_face(tmp_path):
    video = y4m_from_image(ASTRONAUT, tmp_path / "astronaut.y4m", seconds=1.5, fps=10, size=(640, 480))

    header, frames = y4m_frames(video)

    assert video.read_bytes().startswith(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420\n")
    assert (header["W"], header["H"], header["F"], header["C"]) == ("640", "480", "10:1", "420")
    assert len(frames) == 15
    assert video.stat().st_size == len(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420\n") + 15 * (6 + 640 * 480 * 3 // 2)
    # What the page sends: a frame scaled down to 320×240, as JPEG.
    reading = detect_face(jpeg(frames[-1].resize((320, 240))))
    assert reading.faces == 1
    assert reading.estimate.label == "happy"


def test_mood_detect_prints_one_json_line_per_file(tmp_path, capsys):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really")

    with pytest.raises(CommandError, match="1 of 3 files could not be read"):
        call_command("mood_detect", str(ASTRONAUT), str(NO_FACE), str(broken))

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"] for line in lines] == [str(ASTRONAUT), str(NO_FACE), str(broken)]
    face, no_face, unreadable = lines
    assert face["faces"] == 1
    assert face["label"] == "happy"
    assert face["probabilities"] == detect_face(ASTRONAUT.read_bytes()).estimate.probabilities
    assert (face["valence"], face["arousal"]) == (
        detect_face(ASTRONAUT.read_bytes()).estimate.valence, detect_face(ASTRONAUT.read_bytes()).estimate.arousal
    )
    assert no_face == {"file": str(NO_FACE), "faces": 0, "label": None}
    assert "error" in unreadable and "label" not in unreadable
