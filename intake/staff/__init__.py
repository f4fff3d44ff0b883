"""Staff people: accounts, roles and scope, sign-in with passwords, second factors and sessions."""
