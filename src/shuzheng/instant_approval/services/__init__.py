"""Every write of the 秒批 context: `rule_sets` (save, activate, retire, test without writes) and
`decisions` (the automatic decision after submission, confirm and revoke by a reviewer)."""
