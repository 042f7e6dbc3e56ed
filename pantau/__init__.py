"""Pantau: a streaming warehouse of how Indonesian police precincts go viral on social media.

Public API:
    Settings: every user-facing option, read from ``PANTAU_*`` environment variables.
    PantauError, TransientError, TerminalError: the exception hierarchy.
"""

from pantau.exceptions import PantauError, TerminalError, TransientError
from pantau.settings import Settings

__all__ = ["PantauError", "Settings", "TerminalError", "TransientError"]
__version__ = "0.1.0"
