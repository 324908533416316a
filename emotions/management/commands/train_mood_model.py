"""Builds the shipped face-mood classifier from the labelled blendshape CSVs: cross-validates it, prints the
figures, and writes the model with its card. The same CSVs give the same model (seeded folds and models)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from emotions import classifier


class Command(BaseCommand):
    help = "Train the face-mood classifier on the labelled blendshape CSVs and write the model file."

    def add_arguments(self, parser):
        parser.add_argument(
            "csv_dir", nargs="?", type=Path, default=settings.DEMO_DATA_DIR / "faces",
            help=f"Directory holding {classifier.FER_CSV} and {classifier.CK_CSV} (default: the shared fixtures).",
        )
        parser.add_argument("--output", type=Path, default=classifier.MODEL_PATH, help="Where to write the model.")

    def handle(self, *args, csv_dir: Path, output: Path, **options):
        try:
            data = classifier.training_data(csv_dir)
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot read the training CSVs in {csv_dir}: {error}") from error
        figures = classifier.cross_validate(data)
        for dataset, result in figures.items():
            recall = ", ".join(f"{mood} {value:.2f}" for mood, value in result["recall"].items())
            self.stdout.write(
                f"{dataset}: accuracy {result['accuracy']:.3f} (held out, {result['rows']} rows), "
                f"Brier {result['brier']:.3f}, ECE {result['ece']:.3f}; recall: {recall}"
            )
        classifier.save(classifier.train(data), classifier.model_card(data, figures), output)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
