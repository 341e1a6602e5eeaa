# The wheel carries a native shared library (w2v.so), built by the repository's
# Makefile and copied next to __init__.py by `make python-wheel`.  It is not a
# Python extension module, so it does not depend on the Python version or ABI:
# the wheel is tagged py3-none-<platform>, as sqlite-vec's wheels are.
import os
import sysconfig

from setuptools import setup
from setuptools.dist import Distribution

try:
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # wheel not installed: setuptools cannot build a wheel anyway
    _bdist_wheel = None


class BinaryDistribution(Distribution):
    """A distribution with a platform-specific file in it (never 'any')."""

    def has_ext_modules(self):
        return True


cmdclass = {}
if _bdist_wheel is not None:

    class bdist_wheel(_bdist_wheel):
        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            plat = os.environ.get("W2V_WHEEL_PLAT") or sysconfig.get_platform().replace("-", "_").replace(".", "_")
            return ("py3", "none", plat)

    cmdclass["bdist_wheel"] = bdist_wheel

here = os.path.dirname(os.path.abspath(__file__))
if not any(os.path.exists(os.path.join(here, "sqlite_w2v", n)) for n in ("w2v.so", "w2v.dylib", "w2v.dll")):
    raise SystemExit("sqlite_w2v: no w2v.so next to __init__.py; build the wheel with `make python-wheel`")

setup(distclass=BinaryDistribution, cmdclass=cmdclass)
