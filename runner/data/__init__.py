"""The built-in lessons (`lessons/*.md`) and cluster profiles (`profiles/*.yaml`), shipped as package data.

Nothing here is code: `runner.lesson.catalog` and `runner.plan.profile` read
these folders with `importlib.resources`, so a wheel or `pip install .` carries
them. `lessons/` and `profiles/` at the top of the repository are symbolic
links to these folders, for the repository's own CI and the pytest plugin.
"""
