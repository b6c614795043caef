"""``python -m twei.oracle``: serve the reading-time oracle with the settings from ``.env``.

A setting it cannot start with (``.env.example``'s placeholder API key, say) is one line on
stderr and exit code 1 (twei.exitcodes: needs a human), never a traceback."""

import sys

from twei.errors import TweiError
from twei.oracle import serve

if __name__ == "__main__":
    try:
        serve()
    except TweiError as err:
        print(f"Error: {err}", file=sys.stderr)
        sys.exit(1)
