from perfscore.scoring.engine import score_run

__all__ = ["score_run"]
