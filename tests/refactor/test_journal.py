"""The journal of multi-file changes: a change that completed is never rolled back, even
when a recovery races with the process finishing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from refactor import journal


def test_an_interrupted_change_is_rolled_back_and_reported(tmp_path: Path) -> None:
    folder, ws = tmp_path / "journal", tmp_path / "ws"
    ws.mkdir()
    a, b = ws / "a.py", ws / "b.py"
    a.write_text("old a\n")
    b.write_text("old b\n")
    change = journal.Change({str(a): "new a\n", str(b): "new b\n"}, label="Rename")
    with pytest.raises(RuntimeError), journal.pending(change, folder):
        journal.write_atomic(str(a), "new a\n")
        raise RuntimeError("the process dies here")  # (pending rolls back at once)
    assert a.read_text() == "old a\n" and not list(folder.glob("*.json"))


def test_a_journal_its_process_finished_while_recovery_looked_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, ws = tmp_path / "journal", tmp_path / "ws"
    ws.mkdir()
    a = ws / "a.py"
    a.write_text("old\n")
    seen: list[list[str]] = []

    with journal.pending(journal.Change({str(a): "new\n"}), folder):
        journal.write_atomic(str(a), "new\n")
        [record] = folder.glob("*.json")
        real_flock = journal.fcntl.flock

        def finishing_meanwhile(fd: int, flags: int) -> None:
            # the owner completes between our open and our lock: it unlinks the journal
            # and closes its descriptor, so our lock is granted on a deleted file
            record.unlink()
            seen.append(["raced"])

        monkeypatch.setattr(journal.fcntl, "flock", finishing_meanwhile)
        assert journal.recover([str(ws)], folder) == []
        monkeypatch.setattr(journal.fcntl, "flock", real_flock)
        record.touch()  # (pending removes its journal when the block ends)
    assert seen == [["raced"]]
    assert a.read_text() == "new\n"  # the completed change stays


def test_a_journal_gone_before_recovery_opens_it_is_skipped(tmp_path: Path) -> None:
    with journal._locked(tmp_path / "gone.json", blocking=False) as mine:
        assert mine is False
