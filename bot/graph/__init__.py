"""The Microsoft 365 connection (DESIGN §10): Graph call logs and licenses.

`http` is the one HTTP client (httpx, with timeouts) that both msal and the Graph calls use;
`token` gets app-only tokens from msal; `client` speaks Graph; `sync` brings the call logs in
through the file importer; `licenses` assigns the Communications Credits license in the tenant.
"""
