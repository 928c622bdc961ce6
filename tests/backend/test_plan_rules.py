"""The training plan can be copied into a script: its modules import nothing of NetCanvas and share one namespace."""

import ast
import sys

from backend.exporters.script_plan import PLAN_FOLDER, PLAN_ORDER, plan_code, plan_modules

ALLOWED = {"numpy", "torch", "PIL", "sklearn", "backend"}


def test_every_plan_module_is_copied_in_the_script_order():
    modules = {path.stem for path in PLAN_FOLDER.glob("*.py")} - {"__init__"}
    assert modules == set(PLAN_ORDER)


def test_plan_modules_import_only_the_standard_library_numpy_torch_pil_and_each_other():
    for path in sorted(PLAN_FOLDER.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top in sys.stdlib_module_names or top in ALLOWED, f"{path.name} imports {module}"
                if top == "backend":
                    assert module.startswith("backend.plan."), f"{path.name} imports {module}"
                    assert isinstance(node, ast.ImportFrom), f"{path.name}: use 'from {module} import ...'"


def test_plan_names_are_unique_and_every_definition_can_be_copied():
    plan_modules.cache_clear()
    everything = {name for module in plan_modules() for d in module.definitions for name in d.names}
    imports, text = plan_code(everything)  # raises on a name defined twice
    compiled = compile(text, "plan", "exec")
    assert compiled is not None and "from backend" not in text
    assert {item.module.split(".")[0] for item in imports} <= ALLOWED | set(sys.stdlib_module_names)
