"""Count the statements and commits of the requests made inside a block (tests only).

`django_assert_num_queries` counts every statement, savepoints included. A page's budget is
stated in queries (statements that read or write data) and in commits: the transactions it
ends with a COMMIT in production. Inside a test case everything runs in the test's own
transaction, so a commit is recognised as production would see it: an `atomic` block
entered at the test's depth and released (RELEASE SAVEPOINT at that depth, or COMMIT when
the test runs outside a transaction), or a write made at the test's depth (autocommit: the
write is its own transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")
WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Counted:
    queries: list[str] = field(default_factory=list)
    commits: int = 0
    writes: list[str] = field(default_factory=list)

    def writes_other_than_read_audit(self) -> list[str]:
        return [sql for sql in self.writes if not sql.lstrip().upper().startswith('INSERT INTO "PRACTICE_AUDITEVENT"')]


class count_statements:
    def __init__(self):
        self.counted = Counted()

    def __enter__(self) -> Counted:
        self.depth = len(connection.atomic_blocks)
        self.rolled_back = False
        self.original_commit = connection.commit

        def commit():
            self.counted.commits += 1
            return self.original_commit()

        connection.commit = commit
        self.wrapper = connection.execute_wrapper(self._execute)
        self.wrapper.__enter__()
        return self.counted

    def __exit__(self, *exc) -> None:
        self.wrapper.__exit__(*exc)
        del connection.commit

    def _execute(self, execute, sql, params, many, context):
        verb = sql.lstrip().split(None, 1)[0].upper()
        at_test_depth = len(connection.atomic_blocks) == self.depth
        if verb in CONTROL:
            if verb == "ROLLBACK" and at_test_depth:
                self.rolled_back = True  # the RELEASE that follows ends a rolled-back block
            elif verb == "RELEASE" and at_test_depth:
                self.counted.commits += 0 if self.rolled_back else 1
                self.rolled_back = False
        else:
            self.counted.queries.append(sql)
            if verb in WRITES:
                self.counted.writes.append(sql)
                if at_test_depth:
                    self.counted.commits += 1
        return execute(sql, params, many, context)


def second_view(browser, url: str):
    """GET `url` twice as `browser` (the first view stores the session's idle clock) and return
    the second response with what it ran (a page's budget is its steady-state view)."""
    assert browser.get(url).status_code == 200
    with count_statements() as counted:
        response = browser.get(url)
    assert response.status_code == 200
    return response, counted
