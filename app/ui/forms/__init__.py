"""Entry and edit forms: visits, disputes, mediation sessions, workflow steps."""
