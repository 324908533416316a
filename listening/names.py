# The catalog's name keys are the ones every app matches names by; listening's modules still import it from here.
from rewrapped.names import name_key

__all__ = ["name_key"]
