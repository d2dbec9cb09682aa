"""Administration: people, roles, teams and mentor assignments."""
