"""Measuring how many HTTP requests each provider operation costs, on its simulator."""

from __future__ import annotations

from tests.fakes.fixtures import serve
from tests.fakes.harness import Harness
from webapp.validation import ValidationPlan, run_validation

FILES = {"chart/Chart.yaml": b"name: app\n", "chart/values.yaml": b"replicas: 1\n",
         "envs/dev/values.yaml": b"tag: '1'\n"}
NEW_TAG = {**FILES, "envs/dev/values.yaml": b"tag: '2'\n"}
ROWS = ["check_identity", "check_namespace", "ensure_repository (new)",
        "ensure_repository (exists)", "commit_files (3 files changed)",
        "commit_files (nothing changed)", "commit_files, known tip (1 of 3 changed)",
        "commit_files, known tip (nothing changed)", "commit_files, tip moved (1 of 3 changed)",
        # issue 13
        "commit_files, new branch (1 of 3 changed)",
        "commit_files, new branch, known base (1 of 3 changed)",
        "current_files (1 of 3 changed)", "current_files, known tip (1 of 3 changed)",
        "list_files (one directory)", "open_change_request (new)",
        "open_change_request (one open)", "change_request", "close_change_request",
        "delete_branch",
        "read_file", "delete_repository", "validation", "validation, pull-request mode"]


def measure(harness: Harness) -> dict[str, int]:
    """Requests per operation, each on a fresh client (nothing remembered between rows)."""
    costs: dict[str, int] = {}
    with serve(harness.simulator()) as sim:
        def fresh():
            return harness.provider(harness.settings(sim), backoff=0)

        def count(row, action):
            sim.clear_log()
            result = action()
            costs[row] = len(sim.calls())
            return result

        count("check_identity", lambda: fresh().check_identity())
        count("check_namespace", lambda: fresh().check_namespace())
        repo = count("ensure_repository (new)", lambda: fresh().ensure_repository("costs"))
        count("ensure_repository (exists)", lambda: fresh().ensure_repository("costs"))
        fresh().commit_files(repo, "main", {"seed.txt": b"seed\n"}, "seed")
        count("commit_files (3 files changed)",
              lambda: fresh().commit_files(repo, "main", FILES, "three"))
        known = count("commit_files (nothing changed)",
                      lambda: fresh().commit_files(repo, "main", FILES, "again")).state
        known = count("commit_files, known tip (1 of 3 changed)",
                      lambda: fresh().commit_files(repo, "main", NEW_TAG, "tag 2",
                                                   known=known)).state
        count("commit_files, known tip (nothing changed)",
              lambda: fresh().commit_files(repo, "main", NEW_TAG, "again", known=known))
        harness.git(sim, "costs").commit_on("main", {"OTHER.md": b"theirs\n"}, "someone else")
        known = count("commit_files, tip moved (1 of 3 changed)",
                      lambda: fresh().commit_files(repo, "main", FILES, "tag 1",
                                                   known=known)).state
        assert known is not None  # main's state: the rows below depend on it
        count("commit_files, new branch (1 of 3 changed)",
              lambda: fresh().commit_files(repo, "review-1", NEW_TAG, "review 1",
                                           base_branch="main"))
        count("commit_files, new branch, known base (1 of 3 changed)",
              lambda: fresh().commit_files(repo, "review-2", NEW_TAG, "review 2", known=known,
                                           base_branch="main"))
        count("current_files (1 of 3 changed)",
              lambda: fresh().current_files(repo, "main", NEW_TAG))
        count("current_files, known tip (1 of 3 changed)",
              lambda: fresh().current_files(repo, "main", NEW_TAG, known=known))
        count("list_files (one directory)", lambda: fresh().list_files(repo, "main", "chart"))
        request = count("open_change_request (new)", lambda: fresh().open_change_request(
            repo, "review-1", "main", "Review 1", "1 file changed"))
        count("open_change_request (one open)", lambda: fresh().open_change_request(
            repo, "review-1", "main", "Review 1", "1 file changed"))
        count("change_request", lambda: fresh().change_request(repo, request.number))
        count("close_change_request",
              lambda: fresh().close_change_request(repo, request.number))
        count("delete_branch", lambda: fresh().delete_branch(repo, "review-1"))
        count("read_file", lambda: fresh().read_file(repo, "main", "chart/values.yaml"))
        count("delete_repository", lambda: fresh().delete_repository(repo))
        count("validation", lambda: run_validation(fresh(), ValidationPlan()))
        count("validation, pull-request mode",
              lambda: run_validation(fresh(), ValidationPlan(pull_requests=True)))
    return costs
