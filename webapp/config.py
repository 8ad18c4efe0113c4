"""Default settings. No secrets live here: keys come from the environment or instance/.

Every setting can be overridden, in increasing order of precedence, by
``instance/config.py`` and by an environment variable named ``GITOPS_<NAME>``.
README.md documents each one; keep the two in step.
"""


class Defaults:
    """The built-in value of every setting the app reads."""

    # Folder of runtime data (database, generated keys, instance config.py). Empty means
    # the instance/ folder beside the webapp package. Read before everything else.
    INSTANCE_PATH = ""

    # Any SQLAlchemy URL. Empty means the embedded SQLite file instance/gitops.db.
    DATABASE_URL = ""
    # How long a SQLite writer waits for a lock before giving up, in milliseconds.
    SQLITE_BUSY_TIMEOUT_MS = 5000

    # Signs the session cookie. Empty means "generate once into instance/secret_key".
    SECRET_KEY = ""
    # Comma-separated Fernet keys; the first encrypts, all decrypt.
    # Empty means "generate once into instance/token_keys".
    TOKEN_KEYS = ""

    # Accept provider hosts that resolve to loopback, link-local or private addresses (a
    # self-managed GitLab on the office network, say). Off: such hosts are refused, so the
    # settings page cannot be used to reach the server's own network.
    ALLOW_PRIVATE_HOSTS = False
    # Accept plain http:// provider hosts (labs and tests only: tokens would cross the
    # network in clear text).
    ALLOW_HTTP_HOSTS = False

    # Talking to git providers: seconds to connect, to wait for an answer, and for a whole
    # validation (every stage together).
    PROVIDER_CONNECT_TIMEOUT = 5.0
    PROVIDER_READ_TIMEOUT = 30.0
    VALIDATION_DEADLINE = 60.0
    # Seconds a deploy may talk to the provider, and may wait for another deploy of the
    # same application (in any worker) to finish before it gives up.
    DEPLOY_DEADLINE = 120.0
    DEPLOY_WAIT = 30.0

    # The Argo CD Application each deploy commits: where it lives and what it deploys to.
    ARGOCD_NAMESPACE = "argocd"
    ARGOCD_PROJECT = "default"
    ARGOCD_DESTINATION_SERVER = "https://kubernetes.default.svc"

    LOG_LEVEL = "INFO"
    # "text" for people, "json" for log collectors: one JSON object a line.
    LOG_FORMAT = "text"

    # Serving with gunicorn (gunicorn.conf.py, `make run`): where to listen, and how many
    # worker processes (0: twice the CPU count plus one).
    BIND = "127.0.0.1:5000"
    WORKERS = 0

    # Lifetime of a CSRF token in seconds; 0 means "as long as the session".
    CSRF_TIME_LIMIT = 0

    # Sign-in: how long a session lasts (seconds), and how many failed sign-ins per
    # account or per client address are allowed before each further attempt waits.
    SESSION_LIFETIME = 8 * 3600
    SIGN_IN_FAILURE_LIMIT = 5
    SIGN_IN_DELAY_SECONDS = 30  # doubles with every further failure, up to 15 minutes

    # Behind a reverse proxy: how many proxies' X-Forwarded-* headers to trust (0: none).
    PROXY_HOPS = 0
    # Sign-in by a trusted reverse proxy: the header naming the user, the proxies'
    # addresses or CIDRs (comma-separated), and the users that are admins.
    TRUSTED_PROXY_HEADER = ""
    TRUSTED_PROXIES = ""
    ADMIN_USERS = ""

    # Who may frame the pages (Content-Security-Policy frame-ancestors), and how long
    # browsers keep to https once they saw it (Strict-Transport-Security, https only).
    FRAME_ANCESTORS = "'self'"
    HSTS_SECONDS = 31536000
