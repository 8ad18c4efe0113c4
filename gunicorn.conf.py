"""gunicorn's settings for GitOps Console (`make run`; `gunicorn -c gunicorn.conf.py wsgi:app`).

Read from the app's own settings (defaults < instance/config.py < GITOPS_* variables), so
one place configures both: GITOPS_BIND, GITOPS_WORKERS, GITOPS_LOG_LEVEL, GITOPS_LOG_FORMAT.
Options given on gunicorn's command line still win.
"""

import multiprocessing

from webapp.configure import server_settings
from webapp.logs import logging_config

_settings = server_settings()

bind = [address.strip() for address in _settings["BIND"].split(",") if address.strip()]
# Threads wait on providers and the database, not on the CPU: a few processes of eight
# threads each serve many slow validations at once.
workers = _settings["WORKERS"] or multiprocessing.cpu_count() * 2 + 1
worker_class = "gthread"
threads = 8

# A request may legitimately run this long: a deploy waits for the application's lease,
# then talks to the provider; a validation runs, then cleans up. A restart lets them finish.
_longest_request = max(_settings["DEPLOY_WAIT"] + _settings["DEPLOY_DEADLINE"],
                       _settings["VALIDATION_DEADLINE"] + 15)
graceful_timeout = int(_longest_request) + 30
timeout = graceful_timeout

# The app logs each request itself (with its id and user, redacted, in LOG_FORMAT), so
# gunicorn's own access log stays off and its other lines share the app's format.
accesslog = None
loglevel = _settings["LOG_LEVEL"].lower()
logconfig_dict = logging_config(_settings["LOG_LEVEL"], _settings["LOG_FORMAT"])

# gunicornc's control socket lives at one path per user: a second instance on the same
# machine would take it over. Nothing here uses it.
control_socket_disable = True
