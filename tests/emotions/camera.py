"""A fake webcam for browser tests: Chromium plays a YUV4MPEG2 file as the camera with
`--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<file>.y4m`."""

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

# ITU-R BT.601 in video (limited) range, which is how Chromium reads I420 frames.
_RGB_TO_YUV = np.array(
    [[0.257, 0.504, 0.098], [-0.148, -0.291, 0.439], [0.439, -0.368, -0.071]]
)
_YUV_OFFSET = np.array([16, 128, 128])


def y4m_from_image(image_path: Path, out_path: Path, *, seconds: float = 2, fps: int = 10,
                   size: tuple[int, int] = (640, 480)) -> Path:
    """A still `image_path` as `seconds` of 4:2:0 video at `fps` (the image fitted into `size`, grey bars)."""
    width, height = size
    if width % 2 or height % 2:
        raise ValueError("4:2:0 video needs an even width and height.")
    with Image.open(image_path) as image:
        frame = np.asarray(ImageOps.pad(image.convert("RGB"), size, color=(128, 128, 128)), dtype=float)
    yuv = frame @ _RGB_TO_YUV.T + _YUV_OFFSET
    luma = yuv[:, :, 0]
    # Chroma once per 2×2 block: the mean of its four pixels.
    chroma = yuv[:, :, 1:].reshape(height // 2, 2, width // 2, 2, 2).mean(axis=(1, 3))
    planes = [np.clip(np.rint(plane), 0, 255).astype(np.uint8).tobytes()
              for plane in (luma, chroma[:, :, 0], chroma[:, :, 1])]
    header = f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420\n".encode()
    with Path(out_path).open("wb") as file:
        file.write(header)
        for _ in range(max(1, round(seconds * fps))):
            file.write(b"FRAME\n")
            file.writelines(planes)
    return Path(out_path)


def y4m_frames(path: Path) -> tuple[dict[str, str], list[Image.Image]]:
    """The header fields and RGB frames of a 4:2:0 YUV4MPEG2 file (to check what the fake camera shows)."""
    content = Path(path).read_bytes()
    header, _, body = content.partition(b"\n")
    magic, *fields = header.decode().split(" ")
    if magic != "YUV4MPEG2":
        raise ValueError(f"{path} is not a YUV4MPEG2 file.")
    params = {field[0]: field[1:] for field in fields}
    width, height = int(params["W"]), int(params["H"])
    luma_size, chroma_size = width * height, (width // 2) * (height // 2)
    frames, offset = [], 0
    while offset < len(body):
        if not body.startswith(b"FRAME", offset):
            raise ValueError(f"{path} has no FRAME marker at byte {offset} of its frames.")
        offset = body.index(b"\n", offset) + 1
        luma = np.frombuffer(body, np.uint8, luma_size, offset).reshape(height, width)
        u, v = (np.frombuffer(body, np.uint8, chroma_size, offset + luma_size + i * chroma_size)
                .reshape(height // 2, width // 2).repeat(2, axis=0).repeat(2, axis=1) for i in (0, 1))
        offset += luma_size + 2 * chroma_size
        yuv = np.dstack([luma, u, v]).astype(float) - _YUV_OFFSET
        rgb = yuv @ np.linalg.inv(_RGB_TO_YUV).T
        frames.append(Image.fromarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8)))
    return params, frames
