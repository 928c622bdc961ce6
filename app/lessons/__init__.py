"""The course in the app: the Lessons dock, its worker and the pictures of each experiment.

The catalogue is ``graph.lessons``; running and computing pictures is
``backend.lessons``. Here the Lessons panel opens a lesson's project the way File >
New does, runs the experiment on the Training dock's controller (so the app's Stop
and closing the window end it), feeds each run's curves into the Training dock's
runs and plots, and draws the pictures when the experiment ends.
"""
