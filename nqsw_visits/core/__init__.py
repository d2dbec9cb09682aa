"""Shared plumbing: settings, the database and its transactions, the one clock, dates,
error pages, htmx, paging, security headers and routine jobs. Imports no area."""
