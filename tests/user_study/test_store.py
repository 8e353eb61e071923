"""Answers: one row per participant and image, replaced only by the same participant."""

from __future__ import annotations

from pathlib import Path

from trustcnn.user_study.store import ResponseStore

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


def test_a_resampled_study_leaves_the_earlier_answers_and_their_key_as_they_were(tmp_path: Path) -> None:
    from trustcnn.user_study.cli import export_rows

    def key(study_id: str) -> dict:
        return {"study_id": study_id, "items": {"i1": {"options": {"a": f"model_of_{study_id}"}}}}

    store = ResponseStore(tmp_path / "answers.sqlite")
    store.register_study("s1", 1, key("s1"))
    alice = store.new_participant("s1", BACKGROUND)
    store.answer(alice, "i1", "a")
    before = store.responses()
    store.register_study("s2", 1, key("s2"))  # the pipeline re-sampled: a new package, key.json replaced
    store.register_study("s1", 1, {"study_id": "s1", "items": {}})  # registering again changes nothing
    bob = store.new_participant("s2", BACKGROUND)
    store.answer(bob, "i1", "a")
    after = store.responses()
    assert after.answers[0] == before.answers[0] and after.participants[0] == before.participants[0]
    assert after.keys == {"s1": key("s1"), "s2": key("s2")}
    rows = export_rows(store, key("s2"))  # key.json now holds s2's key; s1's comes from the database
    assert [(r["study_id"], r["chosen_model"]) for r in rows] == [("s1", "model_of_s1"), ("s2", "model_of_s2")]
