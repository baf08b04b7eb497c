"""Ships ``macros/`` (the add-in's VBA modules, ribbon XML and configuration) inside the
package, as ``chantool/macros`` of every wheel, so that ``chantool addin build`` works
after a plain ``pip install``. The folder keeps its one copy at the top of the source
tree, where users look for it and a checkout or an editable install reads it: setuptools'
package data cannot name files outside a package, hence this step of ``build_py``.
Everything else is declared in ``pyproject.toml``."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithMacros(build_py):
    def run(self) -> None:
        super().run()
        self.copy_tree("macros", str(Path(self.build_lib) / "chantool" / "macros"))


setup(cmdclass={"build_py": BuildWithMacros})
