"""``trustcnn`` / ``python -m trustcnn``: ``study serve|export|backup|restore`` runs the user
study, ``replicate`` the experiment once per seed (``make replicate``); anything else is Kedro's
``run`` for this packaged project (``trustcnn --pipelines=transfer``)."""

import sys
from pathlib import Path
from typing import Any


def main(*args: Any, **kwargs: Any) -> Any:
    if sys.argv[1:2] == ["study"]:  # the study server needs neither Kedro nor torch
        from trustcnn.user_study.cli import study

        return study(args=sys.argv[2:], prog_name="trustcnn study")
    if sys.argv[1:2] == ["replicate"]:  # drives DVC, which runs Kedro in its own processes
        from trustcnn.replicates.cli import replicate

        return replicate(args=sys.argv[2:], prog_name="trustcnn replicate")
    from kedro.framework.cli.utils import find_run_command
    from kedro.framework.project import configure_project

    package_name = Path(__file__).parent.name
    configure_project(package_name)

    interactive = hasattr(sys, "ps1")
    kwargs["standalone_mode"] = not interactive

    run = find_run_command(package_name)
    return run(*args, **kwargs)


if __name__ == "__main__":
    main()
