"""``python -m twei.oracle``: serve the reading-time oracle with the settings from ``.env``."""

from twei.oracle import serve

if __name__ == "__main__":
    serve()
