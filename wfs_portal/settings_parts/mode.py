"""Where the project lives, its optional .env file and the mode every other part depends on.

DJANGO_DEBUG=true (the default of a source checkout): a laptop runs the portal with nothing
installed. DJANGO_DEBUG=false (the default of the container image): production, with the security
settings of wfs_portal/settings_parts/security.py.
"""

from pathlib import Path

from wfs_portal.env import env_bool

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# .env is optional; values already in the environment win.
if (BASE_DIR / ".env").is_file():
    import environ

    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env_bool("DJANGO_DEBUG", default=True)
