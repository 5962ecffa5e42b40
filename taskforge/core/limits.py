"""The limits of a project, defined once: the validator, the planners, the shells and the importers use these.

Pure Python with no imports, so anything (even the lean read-only commands) can use it for free.
"""

TITLE_MAX = 200  # a title is one line: a tree row, a diff line and a tracker's title field show it whole
DESCRIPTION_MAX = 20_000  # characters: room for a real spec, not for a pasted log file
MAX_NEW_ROOTS = 6  # new top-level tasks per project-mode patch: a plan is a few deliverables, not a dump
MAX_DEPTH = 5  # levels of tasks below the project: deeper trees stop being readable in one pane
MAX_KEY_NUMBER = 999_999_999  # task keys go up to T999999999: far beyond any plan, an int everywhere
MAX_IMPORTED_KEY = 1_000_000  # the highest key a file brings in as it is: room left for the creates after it
MESSAGE_MAX = 10_000  # characters of one chat message to the planner: a request, not a document (see `plan --file`)

# Estimates are in working time, so a "day" is a working day, not 24 hours.
HOURS_PER_DAY = 8  # a working day
MINUTES_PER_DAY = HOURS_PER_DAY * 60  # 480: what "1d" means in estimates, imports and exports
DAYS_PER_WEEK = 5  # a working week
MINUTES_PER_WEEK = DAYS_PER_WEEK * MINUTES_PER_DAY  # 2400
DAYS_PER_MONTH = 20  # a working month, four working weeks
MINUTES_PER_MONTH = DAYS_PER_MONTH * MINUTES_PER_DAY  # 9600
