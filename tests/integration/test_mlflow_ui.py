"""``mlflow ui`` on a finished smoke run's store, opened in Debian's Chromium with every other
host blocked: the experiment opens on its runs table — not MLflow's GenAI overview — with the
model runs and the data splits each one read. A screenshot goes to
test-artifacts/mlflow_runs.png (the docs' docs/images/mlflow_runs.png is a copy)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from mlflow.tracking import MlflowClient

from trustcnn.tracking.experiments import KIND_TAG, MODEL_DEVELOPMENT, runs_page

from . import servers
from .conftest import MODELS, PROJECT, SMOKE_DATA, SMOKE_EXPERIMENT, SMOKE_RUN
from .system import CHROMIUM_ARGS, chromium

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

ARTIFACTS = PROJECT / "test-artifacts"
# MLflow 3.17's assistant panel opens itself on a first visit, over a third of the page; these
# are the UI's own localStorage keys for "closed" and "already opened once".
NO_ASSISTANT = (
    "localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');"
    "localStorage.setItem('mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true');"
)
EXPANDER = 'button[data-component-id*="runnamecellrenderer"]'  # the +/- before a parent run's name


FILES = {"train_set": "train", "train_no_decoy_set": "train_no_decoy", "test_set": "test"}


def _md5(smoke_run: Path, split: str) -> str:
    return hashlib.md5((smoke_run / SMOKE_DATA / f"03_primary/{FILES[split]}.npz").read_bytes()).hexdigest()


def _row(page: Page, name: str) -> str:
    """The text of run ``name``'s row (ag-grid splits a row between its pinned columns and the rest)."""
    index = page.locator(".ag-row", has=_link(page, name)).first.get_attribute("row-index")
    return "\n".join(page.locator(f".ag-row[row-index='{index}']").all_inner_texts())


def _open_smoke_run(page: Page) -> dict[str, str]:
    """On an experiment's runs table: open the smoke run's row; {model: its row's text}."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_function("location.hash.includes('/runs')", timeout=180_000)
    page.get_by_text("matching runs").wait_for(timeout=180_000)  # the table has loaded
    _link(page, SMOKE_RUN).wait_for(timeout=180_000)
    for _ in range(5):  # a click while the table still re-renders is lost: click again
        page.locator(".ag-row", has=_link(page, SMOKE_RUN)).first.locator(EXPANDER).click()
        try:
            _link(page, MODELS[0]).wait_for(timeout=30_000)
            break
        except PlaywrightTimeout:
            continue
    for name in MODELS:
        _link(page, name).wait_for(timeout=180_000)
    return {name: _row(page, name) for name in MODELS}


def _link(page: Page, name: str) -> Locator:
    return page.get_by_role("link", name=name, exact=True).first


def test_the_experiment_opens_on_the_model_runs_and_their_datasets(smoke_run: Path, tmp_path: Path) -> None:
    uri = f"sqlite:///{smoke_run / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(SMOKE_EXPERIMENT)
    assert experiment.tags[KIND_TAG] == MODEL_DEVELOPMENT
    runs = {run.info.run_name: run for run in client.search_runs([experiment.experiment_id])}
    for name in MODELS:  # the splits its training node read, and the test split it was scored on
        inputs = {i.dataset.name: i.dataset for i in runs[name].inputs.dataset_inputs}
        trained_on = "train_no_decoy_set" if name == "no_decoy" else "train_set"
        assert {trained_on, "test_set"} <= set(inputs) and "source_train_set" not in inputs, (name, sorted(inputs))
        for split in (trained_on, "test_set"):
            assert inputs[split].digest == _md5(smoke_run, split)
            assert json.loads(inputs[split].source)["uri"] == str(SMOKE_DATA / f"03_primary/{FILES[split]}.npz")
        assert inputs[trained_on].digest == runs[name].data.tags[f"trustcnn.data.{trained_on}.md5"]

    browser_path = chromium()
    from playwright.sync_api import Route, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    blocked: set[str] = set()
    with servers.mlflow_ui(uri, tmp_path / "ui.log") as url:

        def loopback_only(route: Route) -> None:
            if route.request.url.startswith(url):
                route.continue_()
            else:
                blocked.add(urlparse(route.request.url).hostname or route.request.url)
                route.abort()

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(browser_path), args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport={"width": 1600, "height": 1000})
                context.add_init_script(NO_ASSISTANT)
                context.route("**/*", loopback_only)
                page = context.new_page()
                # The page the docs and `make run` point at: the runs table, in MLflow's default (GenAI) mode too.
                page.goto(runs_page(SMOKE_EXPERIMENT, uri, ui=url))
                rows = _open_smoke_run(page)
                assert f"train_set ({_md5(smoke_run, 'train_set')})" in rows["baseline"], rows["baseline"]
                assert f"train_no_decoy_set ({_md5(smoke_run, 'train_no_decoy_set')})" in rows["no_decoy"], rows["no_decoy"]
                assert all("test_set (" in row for row in rows.values())

                # "Model training" chosen once in the sidebar (the browser keeps it): the experiment opens on its runs.
                page.get_by_text("Model training", exact=True).click()
                page.goto(f"{url}/#/experiments/{experiment.experiment_id}")
                rows = _open_smoke_run(page)
                assert all("train" in row for row in rows.values())
                page.mouse.move(1500, 950)  # no hover highlight in the picture
                page.wait_for_timeout(1000)
                page.screenshot(path=str(ARTIFACTS / "mlflow_runs.png"))
            finally:
                browser.close()
    assert not blocked, f"MLflow's UI fetched from the network: {sorted(blocked)}"
