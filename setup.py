"""The one packaging fact pyproject.toml cannot state: resources/ ships as the package `glimpse_resources`.

The source tree keeps icons, styles and model configs in a top-level resources/ folder (the design
card's layout). setuptools' declarative `packages.find` only finds a package under its own folder
name, so the package list (found engine/app packages plus the mapped resources package) is made
here; everything else (package data included) lives in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["engine", "engine.*", "app", "app.*"]), "glimpse_resources"],
    package_dir={"glimpse_resources": "resources"},
)
