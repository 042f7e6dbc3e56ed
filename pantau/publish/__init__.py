"""Write-audit-publish's publish: the audited marts into the snapshot file (``snapshot``) and into
PostgreSQL for BI tools (``postgres``)."""
