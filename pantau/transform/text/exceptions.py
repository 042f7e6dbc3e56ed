"""Errors of the text functions, in Pantau's one hierarchy (all are terminal: a person must act)."""

from __future__ import annotations

from pathlib import Path

from pantau.exceptions import TerminalError
from pantau.transform.text.settings import BACKEND_ENV, DATA_DIR_ENV, TRAIN_COMMAND


class TextModelMissingError(TerminalError):
    """A shipped model file is missing or unreadable."""

    def __init__(self, path: Path, detail: str = "") -> None:
        self.path = path
        self.detail = detail
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"The text model {path} is missing or unreadable{extra} — it ships with the repository; "
            f"restore it with `git checkout -- {path.name}` or rebuild it with `{TRAIN_COMMAND}`."
        )


class TextDataMissingError(TerminalError):
    """A labelled data file needed for training or evaluation is not there."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"The labelled data file {path} does not exist — restore the shipped copies with "
            "`git checkout -- pantau/transform/text/data/labelled` or set "
            f"{DATA_DIR_ENV} to the directory that holds sentiment/ and emotion/."
        )


#: How to install the optional ONNX backend's packages (the ``onnx`` extra of pyproject.toml).
ONNX_INSTALL = ".venv/bin/pip install -e '.[onnx]'"
_LINEAR_INSTEAD = f"{BACKEND_ENV}=linear reads sentiment with the shipped model instead"


class OnnxBackendUnavailableError(TerminalError):
    """``PANTAU_SENTIMENT_BACKEND=onnx`` but onnxruntime or tokenizers is not installed."""

    def __init__(self, missing: str) -> None:
        self.missing = missing
        super().__init__(
            f"{BACKEND_ENV}=onnx needs the Python packages onnxruntime and tokenizers, and "
            f"{missing} is not installed — install them with `{ONNX_INSTALL}` ({_LINEAR_INSTEAD}).")


class OnnxModelError(TerminalError):
    """A file of the ONNX backend's directory is missing, unreadable or not what it needs."""

    def __init__(self, path: Path, problem: str, fix: str) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(f"The ONNX sentiment model's {path} {problem} — {fix} "
                         f"(docs/text.md, 'ONNX backend'; {_LINEAR_INSTEAD}).")
