"""Settings come from the environment, and .env.example documents every variable they read."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_ONLY = {"config/settings/test.py"}  # the suite's own knobs (TEST_RUN_ID), not a deployment's


def _variables_read() -> dict[str, str]:
    """Every VARIABLE read with env(...), env.<kind>(...) in config/settings (but the test settings)."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "config" / "settings").glob("*.py")):
        relative = str(path.relative_to(ROOT))
        if relative in TEST_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            func = node.func
            is_env = (isinstance(func, ast.Name) and func.id == "env") or (
                isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
            )
            if is_env and isinstance(node.args[0].value, str):
                found.setdefault(node.args[0].value, relative)
    return found


def _documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.M))


def test_env_example_documents_every_variable_the_settings_read():
    read = _variables_read()
    assert len(read) > 20  # the parser found the settings' reads at all
    missing = {name: where for name, where in read.items() if name not in _documented()}
    assert not missing, f"add these to .env.example (with a comment): {missing}"
