"""Every write of the identity context, by topic: `accounts` (accounts and passwords), `roles` (roles and
their assignments), `logins` (sign-in events and the second factor) and `api_keys`. Each service is
keyword-only, runs in one transaction and writes its audit event in it. `actor` is a person or, for the
platform's own writes (demo loaders, management commands), a `core.actors.SystemActor`, which skips the
permission checks that apply to people.
"""
