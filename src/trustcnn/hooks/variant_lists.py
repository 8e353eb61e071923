"""The run's variant lists must be those its pipelines were built with: :class:`VariantListCheck`."""

from __future__ import annotations

from typing import Any

from kedro.framework.hooks import hook_impl

from trustcnn.runtime.errors import ParameterError


class VariantListCheck:
    """Stops a run whose ``trust_variants`` or ``human_mask_variants`` (after ``--env`` and
    ``--params``) differ from the lists the pipelines were built with — Kedro builds them
    before it reads those, so the run would otherwise silently train other variants than its
    configuration names — or whose variants' ``masks`` contradict their list."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        from trustcnn.pipeline_registry import human_mask_variants, trust_variants, variant_lists

        for key, built in (("trust_variants", trust_variants()), ("human_mask_variants", human_mask_variants())):
            wanted = context.params.get(key)
            wanted = list(wanted or []) if key == "human_mask_variants" else wanted  # an optional list
            if wanted != list(built):
                raise ParameterError(
                    f"{key} is {wanted!r} for this run (env {context.env!r}) but the pipelines were built with "
                    f"{list(built)!r}. Pipelines are built from conf/base and the environment KEDRO_ENV names: choose the "
                    "environment with KEDRO_ENV=<env> rather than --env, and change the list in that environment's files, "
                    "not with --params."
                )
        variant_lists(context.params)
