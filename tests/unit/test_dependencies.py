"""Every third-party package the product imports is declared in pyproject.toml's dependencies.

Product code is pantau/, producers/, expectations/ and dags/ (tests, bench and scripts may use
the dev extras). An import that only works because another dependency happens to pull its
package in breaks the day that dependency drops it. The product's optional extras (``onnx``: the
ONNX sentiment backend, imported only when it is selected) count as declared; ``dev`` does not.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("pantau", "producers", "expectations", "dags")


def _name(requirement: str) -> str:
    """``"psycopg[binary]==3.3.9"`` -> ``"psycopg"``, normalised as PEP 503 says."""
    name = re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements: list[str]) -> set[str]:
    """The declared distributions, plus what a declared meta-package (one that ships no module
    of its own, e.g. apache-airflow: apache-airflow-core and apache-airflow-task-sdk) requires
    unconditionally: declaring the meta-package is how its components are meant to be pinned."""
    declared = {_name(requirement) for requirement in requirements}
    for name in list(declared):
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        if not any(f.suffix == ".py" for f in dist.files or []):
            declared |= {_name(r) for r in dist.requires or [] if "extra ==" not in r}
    return declared


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """The top-level module of every absolute import in a file, with its line."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.partition(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.partition(".")[0], node.lineno


def _first_party(path: Path) -> set[str]:
    """The repository's own packages, and the modules beside a file (Airflow puts dags/ itself on
    the import path)."""
    beside = {p.stem for p in path.parent.iterdir()
              if p.suffix == ".py" or (p / "__init__.py").exists()}
    return set(PRODUCT) | beside


def test_every_imported_third_party_package_is_a_declared_dependency() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    optional = [requirement for extra, requirements in pyproject["project"]["optional-dependencies"].items()
                if extra != "dev" for requirement in requirements]
    assert {"onnxruntime", "tokenizers"} <= {_name(r) for r in optional}
    declared = _declared([*pyproject["project"]["dependencies"], *optional])
    distributions = packages_distributions()
    undeclared: dict[str, list[str]] = {}
    unknown: list[str] = []
    files = [path for folder in PRODUCT for path in sorted((ROOT / folder).rglob("*.py"))]
    assert len(files) > 50
    for path in files:
        own = _first_party(path)
        for module, line in _imports(path):
            if module in sys.stdlib_module_names or module in own:
                continue
            where = f"{path.relative_to(ROOT)}:{line}"
            names = {_name(d) for d in distributions.get(module, [])}
            if not names:
                unknown.append(f"{module} ({where})")
            elif not names & declared:
                undeclared.setdefault(" or ".join(sorted(names)), []).append(where)
    assert not unknown, f"imports that no installed distribution provides: {unknown}"
    assert not undeclared, ("imported but not in pyproject.toml's dependencies: "
                            + "; ".join(f"{name} ({', '.join(where[:3])})"
                                        for name, where in sorted(undeclared.items())))


def test_the_requirement_names_are_normalised() -> None:
    assert _name("psycopg[binary]==3.3.9") == "psycopg"
    assert _name("Great_Expectations==1.24.1") == "great-expectations"
    assert _name("crc32c==2.9.post0") == "crc32c"
    assert {"apache-airflow-core", "apache-airflow-task-sdk"} <= _declared(["apache-airflow"])
