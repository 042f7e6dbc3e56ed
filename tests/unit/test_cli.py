import pytest

from pantau.cli import build_parser, main


@pytest.mark.parametrize("command", [[], ["stack"], ["produce"], ["produce", "synthetic"],
                                     ["produce", "replay"], ["produce", "x"],
                                     ["produce", "youtube"], ["produce", "mastodon"], ["produce", "news"],
                                     ["ingest"], ["build"], ["sql"], ["serve"], ["demo"], ["settings"],
                                     ["eval"], ["report"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([*command, "--help"])
    assert done.value.code == 0
    assert "usage: pantau" in capsys.readouterr().out


def test_settings_markdown_prints_the_table(capsys):
    assert main(["settings", "--markdown"]) == 0
    assert "| `PANTAU_WAREHOUSE_PATH` |" in capsys.readouterr().out


def test_bad_setting_is_a_clear_error_not_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("PANTAU_TOPIC_PARTITIONS", "many")
    assert main(["settings"]) == 2
    assert "PANTAU_TOPIC_PARTITIONS='many' is invalid" in capsys.readouterr().err


def test_unreachable_kafka_names_the_fix(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PANTAU_KAFKA_BOOTSTRAP_SERVERS", "localhost:1")
    monkeypatch.setenv("PANTAU_STATE_DIR", str(tmp_path))
    assert main(["produce", "synthetic", "--count", "1"]) == 75
    err = capsys.readouterr().err
    assert "Kafka at localhost:1 is not reachable" in err and "pantau stack up" in err
