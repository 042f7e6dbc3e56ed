"""Pure parts of the serving layer: the SQL shell's completion of the text functions."""

from __future__ import annotations

from pantau.serve import sql_shell
from pantau.transform.text.sql import FUNCTION_NAMES


def test_sql_shell_knows_every_text_function():
    assert set(sql_shell.TEXT_FUNCTIONS) == set(FUNCTION_NAMES)
