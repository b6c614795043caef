"""What a job's exit code means: the one table an operator (and systemd, cron, a monitor) reads.

| code | name        | meaning                                                        | what to do                    |
|-----:|-------------|----------------------------------------------------------------|-------------------------------|
|  0   | DONE        | the job did its work, or there was nothing left to do          | nothing                       |
|  10  | NOT_YET     | nothing to do yet: the day is not over, the deployment's own   | nothing: the timer runs it    |
|      |             | day, a root in its challenge period, signatures on their way   | again (not a failure)         |
|  1   | NEEDS_HUMAN | a person must act: a missing key or account, a wrong chain, a  | read the one line on stderr   |
|      |             | revoked day waiting for corrected data, a refused input        |                               |
|  2   | USAGE       | the command line itself is wrong (click's own usage errors)    | fix the command               |
|  75  | TRANSIENT   | the RPC (or another service) is down or timed out              | nothing: the timer retries;   |
|      |             |                                                                | alert if it lasts             |

75 is ``EX_TEMPFAIL`` of sysexits.h, the code mail and batch systems already read as "try again".
``deploy/systemd/twei-settle.service`` lists 10 in ``SuccessExitStatus=`` so a waiting day is not a
failed unit; 75 shows as failed and is left to the timer's next run (the alerts say if it lasts).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode", "STATUS"]


class ExitCode(IntEnum):
    DONE = 0
    NEEDS_HUMAN = 1
    USAGE = 2
    NOT_YET = 10
    TRANSIENT = 75


#: The ``status`` word of a job's ``--json`` output for each code.
STATUS = {
    ExitCode.DONE: "done",
    ExitCode.NEEDS_HUMAN: "needs_human",
    ExitCode.USAGE: "usage",
    ExitCode.NOT_YET: "not_yet",
    ExitCode.TRANSIENT: "transient",
}
