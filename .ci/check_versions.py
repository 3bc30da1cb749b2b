"""Fail when an installed dependency does not satisfy the range pinned in pyproject.toml.

pip could otherwise keep an ancient copy that some other package dragged in.
"""

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement

project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
requirements = list(project["dependencies"])
for extra in project.get("optional-dependencies", {}).values():
    requirements.extend(extra)

problems = []
for line in requirements:
    requirement = Requirement(line)
    try:
        installed = version(requirement.name)
    except PackageNotFoundError:
        problems.append(f"{requirement.name}: not installed")
        continue
    if not requirement.specifier.contains(installed, prereleases=True):
        problems.append(f"{requirement.name}: {installed} is outside {requirement.specifier}")
    else:
        print(f"ok  {requirement.name} {installed} ({requirement.specifier})")

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
