"""Model criticism (Stock & Cisse, after Kim, Khanna & Koyejo's MMD-critic): per class, the
*prototypes* that represent how a model sees the class and the *criticisms* they represent
worst, chosen in the model's own feature space (:mod:`.mmd_critic`, :mod:`.selection`); a
trained model criticised on the test split (:mod:`.model`, :mod:`.measures`) and the report
of every model (:mod:`.report`). The package imports no model (that is :mod:`.model`), so the
evaluation reads a report without loading what made it."""

from trustcnn.criticism.mmd_critic import (
    DenseKernel,
    Kernel,
    RBFKernel,
    median_gamma,
    select_criticisms,
    select_prototypes,
    witness,
)
from trustcnn.criticism.report import criticism_markdown, docs_table, metrics_entries
from trustcnn.criticism.selection import ClassSelection, select_per_class

__all__ = [
    "ClassSelection",
    "DenseKernel",
    "Kernel",
    "RBFKernel",
    "criticism_markdown",
    "docs_table",
    "median_gamma",
    "metrics_entries",
    "select_criticisms",
    "select_per_class",
    "select_prototypes",
    "witness",
]
