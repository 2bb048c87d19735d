"""Accounts and signing in: sign-in by username, e-mail or phone, server-side sessions, password
policy and hashing, password resets, throttling of guesses.

Who decides what:
- signing in and out, sessions and their revocation, resets — `services.py`;
- counting failed guesses per account and per address, shared by every worker — `throttle.py`;
- the password policy and argon2id parameters — `passwords.py`.
The context a signed-in user acts in (school and role) is lms/core/tenancy.py's.
"""
