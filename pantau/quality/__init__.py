"""Write-audit-publish's audit: the Great Expectations suites run against the warehouse."""
