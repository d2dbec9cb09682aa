"""People: accounts, roles, teams, mentor assignments, signing in, passwords, the audit trail."""
