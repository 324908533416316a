"""The live camera's mood detection run on image files, for operators checking a model: one JSON line per file."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from emotions.detection import UnreadableImage, detect_face


class Command(BaseCommand):
    help = "Detect the mood of the largest face in each image file; print one JSON line per file."

    def add_arguments(self, parser):
        parser.add_argument("images", nargs="+", type=Path, help="Image files (JPEG, PNG, WebP, …; any size).")

    def handle(self, *args, images: list[Path], **options):
        failures = 0
        for path in images:
            line = {"file": str(path)}
            try:
                reading = detect_face(path.read_bytes())
            except (OSError, UnreadableImage) as error:
                failures += 1
                line["error"] = str(error)
                self.stderr.write(f"{path}: {error}")
            else:
                line["faces"] = reading.faces
                estimate = reading.estimate
                if estimate is None:
                    line["label"] = None
                else:
                    line |= {
                        "label": estimate.label,
                        "confidence": estimate.confidence,
                        "valence": estimate.valence,
                        "arousal": estimate.arousal,
                        "probabilities": estimate.probabilities,
                    }
            self.stdout.write(json.dumps(line))
        if failures:
            raise CommandError(f"{failures} of {len(images)} files could not be read.")
