"""Back-ends of the course lessons (no Qt): curves, optimizer paths, model inspection and a headless runner.

The lesson catalogue itself is pure data in `graph.lessons`; these modules compute
what a lesson shows, using the same engine, optimizers and compiled models as the
rest of NetCanvas.
"""
