"""Running dbt on the working warehouse, in-process through dbt's programmatic runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pantau.exceptions import BuildFailedError
from pantau.settings import Settings


@dataclass(frozen=True)
class BuildResult:
    """Outcome of ``dbt build``: node counts by status."""

    passed: int
    failed: int
    skipped: int
    failures: tuple[str, ...]


@contextmanager
def dbt_environment(settings: Settings) -> Iterator[None]:
    """Expose the settings to dbt (profiles.yml reads PANTAU_WAREHOUSE_PATH) for one call."""
    dbt_state = settings.state_dir / "dbt"
    extra = {
        **settings.environment(),
        "DBT_PROFILES_DIR": str(settings.dbt_project_dir),
        "DBT_TARGET_PATH": str(dbt_state / "target"),
        "DBT_LOG_PATH": str(dbt_state / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def dbt_build(settings: Settings, *, select: str | None = None, quiet: bool = False) -> BuildResult:
    """Run ``dbt build`` (seeds, models, tests) against the working warehouse.

    Raises:
        BuildFailedError: a model or test failed; the message lists them.
    """
    from dbt.cli.main import dbtRunner  # heavy import, only when building

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    args = ["build", "--project-dir", str(settings.dbt_project_dir)]
    if select:
        args += ["--select", select]
    if quiet:
        args = ["--quiet", *args]
    with dbt_environment(settings):
        result = dbtRunner().invoke(args)
    if result.exception is not None:
        raise BuildFailedError(f"dbt build could not run: {result.exception}")
    statuses = [(r.node.name, str(r.status)) for r in (result.result or [])]
    failures = tuple(f"{name}: {status}" for name, status in statuses
                     if status in ("error", "fail"))
    build = BuildResult(
        passed=sum(status in ("success", "pass") for _, status in statuses),
        failed=len(failures),
        skipped=sum(status == "skipped" for _, status in statuses),
        failures=failures,
    )
    if not result.success:
        raise BuildFailedError("dbt build failed: " + "; ".join(failures or ("see dbt log",))
                               + f" (log: {settings.state_dir / 'dbt' / 'logs'})")
    return build
