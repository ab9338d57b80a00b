"""Every write of the bundles context: `versions` (create, edit, publish, retire a bundle version),
`applications` (one submission → the parent and its children, the applicant's one answer to several
corrections) and `children` (following the child cases: release a waiting child, apply the refusal rule,
conclude the parent). Keyword-only, one transaction each, audited in it."""
