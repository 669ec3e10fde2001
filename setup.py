"""Maps the repository's top-level folders onto one import package, ``ambisketch``.

``engine/`` is installed as ``ambisketch.engine``, ``app/`` as ``ambisketch.app`` and so on
(see README, "Architecture"). Sub-packages are found automatically, so a new folder with an
``__init__.py`` needs no edit here.
"""

import runpy
from pathlib import Path

from setuptools import find_namespace_packages, find_packages, setup

ROOT = Path(__file__).parent
LAYERS = runpy.run_path(str(ROOT / "ambisketch" / "__init__.py"))["LAYERS"]

package_dir = {"ambisketch": "ambisketch"}
packages = ["ambisketch"]
for layer in LAYERS:
    package_dir[f"ambisketch.{layer}"] = layer
    packages.append(f"ambisketch.{layer}")
    packages += [f"ambisketch.{layer}.{sub}" for sub in find_packages(str(ROOT / layer))]

# resources/ (HRTF, default model, icons) installs as ambisketch/resources: where
# engine.binaural.hrtf.resources_dir() looks in an installed (not editable) package.
package_dir["ambisketch.resources"] = "resources"
resource_packages = ["ambisketch.resources"] + [
    f"ambisketch.resources.{sub}" for sub in find_namespace_packages(str(ROOT / "resources"))
]
packages += resource_packages

setup(
    package_dir=package_dir,
    packages=packages,
    include_package_data=True,
    package_data={"ambisketch": ["py.typed"], **{p: ["*"] for p in resource_packages}},
)
