"""The user study (the paper's central evidence): a seeded, stratified, blinded sample of
test images with each compared model's map (:mod:`.package`), a small web app that collects
people's verdicts durably (:mod:`.web`, :mod:`.store`, ``trustcnn study serve``), and the
analysis that turns them into the paper's Table 3 (:mod:`.analysis`). Importing the package
(and the server) loads no torch: :mod:`.package` and :mod:`.analysis` are imported by name."""

from trustcnn.user_study.questions import read_manifest
from trustcnn.user_study.store import Responses, ResponseStore

__all__ = ["ResponseStore", "Responses", "read_manifest"]
