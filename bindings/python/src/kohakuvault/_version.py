# Must equal the extension's kohakuvault_version() (checked by the package tests and build-wheel.sh).
__version__ = "0.1.0"
