"""The training plan: what NetCanvas and its exported ``train.py`` both run, from one source.

Data reading (built-in sets, CSV, NPZ, IDX, image folders; streamed per batch when
large), the seeded split, normalisation statistics, fitting samples to the Input,
batch order, augmentation, losses, optimizers and the epoch's metrics live here
once. The engine imports these modules; the script exporter copies their source
text into ``train.py`` (``backend/exporters/script_plan.py``), so a script's first
epoch gives the engine's numbers.

Rules that make the copy work (a test holds every module to them):

* imports: the standard library, numpy, torch and PIL, and other plan modules as
  ``from backend.plan.<module> import <names>`` (dropped when copied: everything
  lands in one file); nothing else of NetCanvas;
* only top-level functions, classes and constants, with names unique across the
  plan (one namespace in the script);
* messages for the user are raised as `backend.plan.errors.DataError`.
"""
