"""The audit session: gatherers begin, the window's traffic, gatherers end, the ramp; the Run is built.

Layering: cli → session → gatherers / load engine → artifacts and run model.
Audits and scoring are pure and never import the session.
"""
