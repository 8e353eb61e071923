from trustcnn.losses.rrr import rrr_gradcam_penalty, rrr_penalty
from trustcnn.losses.trust import TrustWeights, mask_bce, saliency_terms, trust_loss

__all__ = ["TrustWeights", "mask_bce", "rrr_gradcam_penalty", "rrr_penalty", "saliency_terms", "trust_loss"]
