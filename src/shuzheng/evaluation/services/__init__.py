"""Every write of 好差评, by topic: `ratings` (evaluations from the three channels), `rectifications`
(差评整改) and `disputes` (申诉复核, voiding a rating). Each service validates before writing (Chinese
messages naming the field; nothing written on failure) and audits in the same transaction; snapshots carry
no clear-text personal data. `actor` is a person or, for the platform's own writes (the demo), a
`core.actors.SystemActor`.
"""
