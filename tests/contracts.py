"""An import-linter contract the built-in ones cannot say: an app reaches another app only through the modules it
opens to the others (its `services`, `selectors`, `hooks`), never into the rest of it. Configured in
`.importlinter`; `tests/test_architecture.py` runs it."""

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


class FrontDoorContract(Contract):
    """Options: `apps` (top-level packages), `doors` (the submodule names an app opens to other apps, with all
    beneath them), `open_modules` (whole modules any app may import, such as the user model) and
    `ignore_imports` (named exceptions, each with its reason in the configuration). Imports by modules outside
    `apps` (the project wiring, the core) are other contracts' business."""

    type_name = "front_doors"

    apps = fields.ListField(subfield=fields.StringField())
    doors = fields.ListField(subfield=fields.StringField())
    open_modules = fields.ListField(subfield=fields.StringField(), default=[])
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph, ignore_imports=self.ignore_imports,
            unmatched_alerting=contract_utils.AlertLevel.ERROR,
        )
        apps, doors, open_modules = set(self.apps), set(self.doors), set(self.open_modules)
        broken = []
        for importer in sorted(graph.modules):
            importer_app = importer.partition(".")[0]
            if importer_app not in apps:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                app, _, inside = imported.partition(".")
                if app not in apps or app == importer_app or imported in open_modules:
                    continue
                if inside.partition(".")[0] not in doors:
                    lines = [detail["line_number"] for detail in graph.get_import_details(
                        importer=importer, imported=imported)]
                    broken.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not broken, warnings=list(removal.warnings), metadata={"broken": broken},
                             ignored_import_count=removal.ignored_import_count)

    def render_broken_contract(self, check: ContractCheck) -> None:
        for link in check.metadata["broken"]:
            lines = ", ".join(f"l.{line}" for line in link["lines"])
            output.print_error(f"{link['importer']} -> {link['imported']} ({lines})")
        output.new_line()
        output.print(f"An app imports another only through its {', '.join(self.doors)}: read through its "
                     "selectors, write through its services, or have it call you through a hook.")
