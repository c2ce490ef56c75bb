"""The lists live at the top of the repository (lists/), where contributors find and edit them; the wheel carries
them inside the package, as moodtui/lists, where the app reads them (moodtui.recommend.lists). Everything else is
in pyproject.toml."""

from setuptools import find_namespace_packages, setup

setup(packages=[*find_namespace_packages(include=["moodtui*"]), "moodtui.lists"],
      package_dir={"moodtui.lists": "lists"})
