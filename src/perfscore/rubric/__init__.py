from perfscore.rubric.loader import load_rubric
from perfscore.rubric.model import Category, Metric, Remediation, Rubric

__all__ = ["Category", "Metric", "Remediation", "Rubric", "load_rubric"]
