"""`flask --app wsgi gitops …`: the command line, a client of the JSON API.

Locally it calls the API inside this process; with --url it calls a remote instance with
the token in GITOPS_API_TOKEN. Either way the answers, the rules and the audit log are the
API's: the command line holds no rule of its own.
"""
