"""Answers: one row per participant and image, replaced only by the same participant."""

from __future__ import annotations

from pathlib import Path

from trustcnn.study.store import ResponseStore

BACKGROUND = {"cs_degree": "yes", "knows_saliency": "no", "cv_experience": "no"}


def test_answers_replace_only_the_same_participants(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path / "answers.sqlite")
    store.register_study("s1", 3)
    store.register_study("s1", 3)  # idempotent
    alice, bob = store.new_participant("s1", BACKGROUND), store.new_participant("s1", BACKGROUND)
    assert alice.token != bob.token and len(alice.token) >= 32
    store.answer(alice, "i1", "a")
    store.answer(bob, "i1", "b")
    store.answer(alice, "i1", "same")
    assert store.answered(alice) == {"i1": "same"} and store.answered(bob) == {"i1": "b"}
    assert store.participant(alice.token) == alice and store.participant("nope") is None
    responses = store.responses()
    assert len(responses.answers) == 2 and len(responses.studies) == 1
    assert all("token" not in p for p in responses.participants)


def test_a_missing_database_reads_as_empty(tmp_path: Path) -> None:
    assert ResponseStore(tmp_path / "none.sqlite").responses().answers == []
