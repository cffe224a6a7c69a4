"""The ``evidence`` command line: the top layer; it may import every other layer."""
