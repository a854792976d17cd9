"""Follow-ups sent on a schedule: digests of new opportunities for subscribers and the
daily reminders (outcomes, stale pairings, deadlines), with the admins' reminder page.

It sits above matching and proposals (it reads their rows) and notifications (it sends
through ``notify``); nothing below imports it.
"""
