"""The staff desk's authentication: accounts, server-side sessions, login throttling and CSRF."""
