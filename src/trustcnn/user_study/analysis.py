"""People's answers → which map they preferred, the paper's Table 3 as people judged it, and how
far people agree with the automatic, mask-based verdicts.

The rule (stated in every report): a model's map is *accurate* for an image, as one person
judged it, when that person chose it or answered "They look the same"; choosing another
model's map or "Can't distinguish" counts as inaccurate. Each answer is one judgement, and
every interval resamples whole participants (their answers are not independent).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.metrics import cohen_kappa_score

from trustcnn.metrics import CASES, case_indicators, cluster_bootstrap_ci
from trustcnn.user_study.questions import BACKGROUND_QUESTIONS, CRITICISM_CHOICES, EXTRA_CHOICES
from trustcnn.user_study.store import Responses

RULE = (
    "a model's map is accurate for an image, as one person judged it, when that person chose it or answered "
    "'They look the same'; choosing another map or 'Can't distinguish' counts as inaccurate. Each answer is one "
    "judgement; 95% CIs resample whole participants (cluster bootstrap)."
)


def _kappa(people: np.ndarray, masks: np.ndarray) -> float:
    """Cohen's κ; NaN where chance agreement is total (both sides one constant), where it is undefined."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns about exactly that case
        return float(cohen_kappa_score(people, masks))


def judgements(responses: Responses, key: Mapping) -> dict[str, np.ndarray]:
    """The answers to ``key``'s study as arrays: ``participant``, ``item``, ``choice``, each
    background answer, and per model ``chose.<m>``, ``accurate.<m>`` (people), ``correct.<m>``
    and, with masks, ``masks.<m>`` (the automatic verdict)."""
    people = {p["participant_id"]: p for p in responses.participants if p["study_id"] == key["study_id"]}
    answers = [a for a in responses.answers if a["participant_id"] in people and a["item_id"] in key["items"]]
    items = [key["items"][a["item_id"]] for a in answers]
    arrays = {
        "participant": np.array([a["participant_id"] for a in answers], dtype=int),
        "item": np.array([a["item_id"] for a in answers], dtype=str),
        "choice": np.array([a["choice"] for a in answers], dtype=str),
        "adversarial": np.array([bool(item.get("adversarial", False)) for item in items], dtype=bool),
        **{q: np.array([people[a["participant_id"]][q] for a in answers], dtype=str) for q in BACKGROUND_QUESTIONS},
    }
    for model in key["models"]:
        chose = np.array([item["options"].get(a["choice"]) == model for a, item in zip(answers, items)], dtype=bool)
        arrays[f"chose.{model}"] = chose
        arrays[f"accurate.{model}"] = chose | (arrays["choice"] == "same")
        arrays[f"correct.{model}"] = np.array([item["correct"][model] for item in items], dtype=bool)
        if items and items[0]["automatic_accurate"] is not None:
            arrays[f"masks.{model}"] = np.array([item["automatic_accurate"][model] for item in items], dtype=bool)
    return arrays


def _table3(arrays: Mapping[str, np.ndarray], models: list[str], **kwargs) -> dict:
    return {
        model: {
            case: cluster_bootstrap_ci(np.mean, arrays["participant"], flags.astype(float), **kwargs)
            for case, flags in case_indicators(arrays[f"correct.{model}"], arrays[f"accurate.{model}"]).items()
        }
        for model in models
    }


def _preferred(arrays: Mapping[str, np.ndarray], models: list[str], **kwargs) -> dict:
    clusters = arrays["participant"]
    chose = {m: arrays[f"chose.{m}"].astype(float) for m in models}
    chose |= {c: (arrays["choice"] == c).astype(float) for c in EXTRA_CHOICES}
    return {name: cluster_bootstrap_ci(np.mean, clusters, values, **kwargs) for name, values in chose.items()}


def _subset(arrays: Mapping[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[rows] for name, values in arrays.items()}


def other_studies(responses: Responses, study_id: str) -> dict[str, int]:
    """``{study_id: answers}`` for every study in the database but ``study_id`` (earlier
    samples, whose answers the database keeps), in the order they were registered."""
    study_of = {p["participant_id"]: p["study_id"] for p in responses.participants}
    counts = {s["study_id"]: 0 for s in responses.studies if s["study_id"] != study_id}
    for answer in responses.answers:
        if (study := study_of[answer["participant_id"]]) in counts:
            counts[study] += 1
    return counts


def criticism_answers(responses: Responses, key: Mapping, **kwargs) -> dict:
    """The criticism block: per model, the share of answers naming the decoy
    (``names_decoy``) and of each choice, 95% CIs resampling participants; per class too."""
    block = key["criticism"]
    people = {p["participant_id"] for p in responses.participants if p["study_id"] == key["study_id"]}
    answers = [a for a in responses.answers if a["participant_id"] in people and a["item_id"] in block["items"]]
    clusters = np.array([a["participant_id"] for a in answers], dtype=int)
    choices = np.array([a["choice"] for a in answers], dtype=str)
    owners = np.array([block["items"][a["item_id"]]["model"] for a in answers], dtype=str)
    classes = np.array([block["items"][a["item_id"]]["class_name"] for a in answers], dtype=str)
    report: dict = {"answers": len(answers), "participants": len(np.unique(clusters)), "decoy_choice": block["decoy_choice"]}
    if not answers:
        return report | {"note": "no answers to the criticism block yet"}

    def shares(rows: np.ndarray) -> dict:
        named = {"names_decoy": choices[rows] == block["decoy_choice"]} | {c: choices[rows] == c for c in CRITICISM_CHOICES}
        return {name: cluster_bootstrap_ci(np.mean, clusters[rows], flags.astype(float), **kwargs) for name, flags in named.items()}

    report["models"] = {
        model: {
            **shares(owners == model),
            "per_class": {
                label: shares((owners == model) & (classes == label))["names_decoy"] for label in np.unique(classes[owners == model])
            },
        }
        for model in block["models"]
        if (owners == model).any()
    }
    return report


def analyse(responses: Responses, key: Mapping, *, n_resamples: int = 1000, seed: int = 0) -> dict:
    """The report (JSON-ready) on ``key``'s study; with no answers yet, one that says so.
    Answers on adversarial items are reported apart (``adversarial``), never mixed into Table
    3; the criticism block's, when the study has one, under ``criticism``; answers to other
    studies in the database are counted per study (``other_studies``), never mixed in."""
    kwargs = {"n_resamples": n_resamples, "seed": seed}
    block = {"criticism": criticism_answers(responses, key, **kwargs)} if "criticism" in key else {}
    everything = judgements(responses, key)
    arrays = _subset(everything, ~everything["adversarial"])
    models = list(key["models"])
    header = {"study_id": key["study_id"], "method": key["method"], "models": models, "rule": RULE}
    if others := other_studies(responses, key["study_id"]):
        header["other_studies"] = others
    n = len(arrays["choice"])
    if n == 0:
        note = "no responses yet: serve the study (trustcnn study serve), then run the analysis again"
        return {**header, "answers": 0, "participants": 0, "note": note, **block}
    clusters = arrays["participant"]
    report = {
        **header,
        "answers": n,
        "participants": len(np.unique(clusters)),
        "preferred": _preferred(arrays, models, **kwargs),
        "table3": _table3(arrays, models, **kwargs),
        "by_background": {
            question: {
                answer: {
                    "participants": len(np.unique(clusters[group])),
                    "answers": int(group.sum()),
                    "table3": _table3({k: v[group] for k, v in arrays.items()}, models, **kwargs),
                }
                for answer in np.unique(arrays[question])
                for group in [arrays[question] == answer]
            }
            for question in BACKGROUND_QUESTIONS
        },
    }
    if all(f"masks.{m}" in arrays for m in models):
        report["kappa_vs_masks"] = {
            m: cluster_bootstrap_ci(_kappa, clusters, arrays[f"accurate.{m}"], arrays[f"masks.{m}"], **kwargs) for m in models
        }
    attacked = _subset(everything, everything["adversarial"])
    if len(attacked["choice"]):
        report["adversarial"] = {
            "answers": len(attacked["choice"]),
            "preferred": _preferred(attacked, models, **kwargs),
            "table3": _table3(attacked, models, **kwargs),
        }
    return report | block


def _cell(estimate: Mapping) -> str:
    if estimate["value"] is None:
        return "n/a"
    return f"{estimate['value']:.3f} [{estimate['ci95'][0]:.3f}, {estimate['ci95'][1]:.3f}]"


def _table3_lines(table: Mapping) -> list[str]:
    lines = ["| model | " + " | ".join(CASES) + " |", "|---|" + "---|" * len(CASES)]
    return lines + [f"| {m} | " + " | ".join(_cell(row[c]) for c in CASES) + " |" for m, row in table.items()]


def criticism_markdown(block: Mapping) -> list[str]:
    """The criticism block's section of the report."""
    lines = ["", "## Criticism block: what people say the model uses to recognise a class", ""]
    if not block["answers"]:
        return [*lines, f"{block['note']}."]
    lines += [f"{block['participants']} participants, {block['answers']} answers; 95% CIs resample participants.", ""]
    lines += ["| model | names the decoy (a coloured patch) | " + " | ".join(CRITICISM_CHOICES.values()) + " |"]
    lines += ["|---|---|" + "---|" * len(CRITICISM_CHOICES)]
    for model, row in block["models"].items():
        lines.append(f"| {model} | {_cell(row['names_decoy'])} | " + " | ".join(_cell(row[c]) for c in CRITICISM_CHOICES) + " |")
    return lines


def report_markdown(report: Mapping) -> str:
    """The report as Markdown (``user_study/report.md``)."""
    title = f"# User study {report['study_id']} ({report['method']} maps of {', '.join(report['models'])})"
    block = criticism_markdown(report["criticism"]) if "criticism" in report else []
    others = report.get("other_studies", {})
    elsewhere = (
        (
            f"\n\nNot counted here: {', '.join(f'{n} answers to study {s}' for s, n in others.items())} (other samples, kept in "
            "the database; `trustcnn study export` lists every answer with its study)."
        )
        if others
        else ""
    )
    if report["answers"] == 0:
        return "\n".join([title + elsewhere, "", f"{report['note']}.", *block]) + "\n"
    lines = [
        title + elsewhere,
        "",
        f"{report['participants']} participants, {report['answers']} answers.",
        "",
        f"Rule: {report['rule']}",
        "",
    ]
    lines += ["## Which map people chose", "", "| answer | share of answers |", "|---|---|"]
    lines += [f"| {name} | {_cell(estimate)} |" for name, estimate in report["preferred"].items()]
    lines += ["", "## Table 3 as people judged it", "", *_table3_lines(report["table3"])]
    if "kappa_vs_masks" in report:
        lines += ["", "## Agreement with the automatic, mask-based verdicts (Cohen's κ)", "", "| model | κ |", "|---|---|"]
        lines += [f"| {m} | {_cell(k)} |" for m, k in report["kappa_vs_masks"].items()]
    for question, groups in report["by_background"].items():
        for answer, group in groups.items():
            lines += [
                "",
                f"### {BACKGROUND_QUESTIONS[question]} — {answer} ({group['participants']} participants, {group['answers']} answers)",
                "",
            ]
            lines += _table3_lines(group["table3"])
    if "adversarial" in report:
        attacked = report["adversarial"]
        lines += ["", f"## Adversarial items, apart ({attacked['answers']} answers)", "", "| answer | share of answers |", "|---|---|"]
        lines += [f"| {name} | {_cell(estimate)} |" for name, estimate in attacked["preferred"].items()]
        lines += ["", *_table3_lines(attacked["table3"])]
    return "\n".join(lines + block) + "\n"
