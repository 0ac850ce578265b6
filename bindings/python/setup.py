"""Marks the wheel as platform-specific: it carries the built SQLite extension.

The extension does not use Python's C API, so the wheel is tagged
py3-none-<platform> (any CPython 3, this OS and architecture).
"""

from setuptools import setup
from setuptools.dist import Distribution

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # building an sdist only
    bdist_wheel = None


class BinaryDistribution(Distribution):
    def has_ext_modules(self) -> bool:
        return True


cmdclass = {}
if bdist_wheel is not None:
    class PlatformWheel(bdist_wheel):
        def finalize_options(self) -> None:
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            _, _, platform = super().get_tag()
            return "py3", "none", platform

    cmdclass["bdist_wheel"] = PlatformWheel

setup(distclass=BinaryDistribution, cmdclass=cmdclass)
