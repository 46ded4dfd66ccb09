"""perfscore: audit a LoanFlow stack and turn measurements into a weighted score."""

__version__ = "0.1.0"
