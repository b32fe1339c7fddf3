"""Parties and accounts: companies, DUNS, users and roles, and their workflows."""
