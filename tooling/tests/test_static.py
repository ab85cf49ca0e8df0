"""`make run`'s static files (tooling/static): progress while collectstatic works, and no
collection at all when the files are those collected last time."""

import os
import time

import pytest

from tooling import launcher
from tooling.static import commands
from tooling.static.commands import Progress, collect, sources_fingerprint


def test_progress_counts_each_phase_and_passes_other_lines_through():
    said = []
    progress = Progress(said.append, total=5, every=2)
    for line in [
        "Copying '/a/one.css'\n",
        "Copying '/a/two.css'\n",
        "Skipping 'three.css' (not modified)\n",
        "Copying '/a/four.css'\n",
        "Found another file with the destination path 'x.css'.\n",
        "Post-processed 'one.css' as 'one.1234.css'\n",
        "Post-processed 'one.css' as 'one.1234.css.gz'\n",
        "Post-processed 'two.css' as 'two.5678.css'\n",
        "\n",
        "4 static files copied to '/s', 1 unmodified, 3 post-processed.\n",
    ]:
        progress.line(line)
    assert said == [
        "static files: 2 of 5 gathered",
        "static files: 4 of 5 gathered",
        "Found another file with the destination path 'x.css'.",
        "static files: 2 post-processed (hashed names, gzip and brotli)",
        "4 static files copied to '/s', 1 unmodified, 3 post-processed.",
    ]
    assert progress.counts == {"copied": 3, "unchanged": 1, "post-processed": 3}


def test_the_line_writer_hands_on_whole_lines_only():
    said = []
    writer = commands._LineWriter(Progress(said.append, total=1, every=1))
    writer.write("Copying 'a'\nCopy")
    writer.write("ing 'b'\nDone")
    assert said == ["static files: 1 of 1 gathered", "static files: 2 of 1 gathered"]
    writer.flush()
    assert said[-1] == "Done"


def test_the_fingerprint_changes_with_a_file_or_the_storage(tmp_path):
    one, two = tmp_path / "one.css", tmp_path / "two.js"
    one.write_text("a{}")
    two.write_text("1")
    sources = [("one.css", one), ("two.js", two)]
    first = sources_fingerprint(sources, storage="Storage")
    assert sources_fingerprint(sources, storage="Storage") == first
    assert sources_fingerprint(sources, storage="Other") != first
    assert sources_fingerprint(sources[:1], storage="Storage") != first
    later = time.time() + 10
    os.utime(two, (later, later))
    assert sources_fingerprint(sources, storage="Storage") != first


@pytest.fixture
def static_setup(tmp_path, settings, monkeypatch):
    """A STATIC_ROOT and one source file of the test's own; collectstatic itself recorded."""
    source = tmp_path / "source" / "app.css"
    source.parent.mkdir()
    source.write_text("body{}")
    settings.STATIC_ROOT = str(tmp_path / "root")
    monkeypatch.setattr(commands, "static_sources", lambda: [("app.css", source)])
    calls = []

    def fake_collectstatic(name, *, interactive, verbosity, stdout):
        assert (name, interactive, verbosity) == ("collectstatic", False, 2)
        calls.append(name)
        stdout.write("Copying '/source/app.css'\nPost-processed 'app.css' as 'app.1.css'\n")
        stdout.write("1 static file copied to '/root', 1 post-processed.\n")

    monkeypatch.setattr(commands, "call_command", fake_collectstatic)
    return source, calls


def test_collect_says_what_it_does_then_skips_when_nothing_changed(static_setup):
    source, calls = static_setup
    said = []

    assert collect(say=said.append) is True
    assert calls == ["collectstatic"]
    assert said[0].startswith("collecting 1 static files into ")
    assert "1 static file copied to '/root', 1 post-processed." in said
    assert said[-1].startswith("static files collected in ")

    said.clear()
    assert collect(say=said.append) is False
    assert calls == ["collectstatic"]
    assert said == ["static files unchanged since they were last collected (1 files)"]

    later = time.time() + 10
    os.utime(source, (later, later))
    assert collect(say=said.append) is True
    assert calls == ["collectstatic", "collectstatic"]
    assert collect(say=said.append, force=True) is True
    assert len(calls) == 3


def test_a_collection_that_fails_is_done_again_next_time(static_setup, monkeypatch):
    _, calls = static_setup
    assert collect(say=lambda message: None) is True

    def failing(*args, **kwargs):
        raise RuntimeError("disk full")

    later = time.time() + 10
    os.utime(static_setup[0], (later, later))
    monkeypatch.setattr(commands, "call_command", failing)
    with pytest.raises(RuntimeError):
        collect(say=lambda message: None)
    monkeypatch.setattr(commands, "call_command", lambda *a, **k: calls.append("again"))
    assert collect(say=lambda message: None) is True
    assert calls[-1] == "again"


def test_make_run_collects_through_the_tool(monkeypatch):
    ran = []
    monkeypatch.setattr(
        launcher.subprocess, "run", lambda command, **kwargs: ran.append((command, kwargs))
    )
    launcher.collect_static({"PORT": "8123"})
    ((command, kwargs),) = ran
    assert command[1:] == ["-m", "tooling.static"]
    assert kwargs["env"] == {"PORT": "8123"} and kwargs["check"] is True
