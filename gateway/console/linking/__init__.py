"""Linking accounts, for real: each platform's own OAuth flow, or its app password.

An admin starts from a person's page; a person starts on any computer with the
one-time code they got by texting LINK. Either way the flow is the same pages:
choose a platform, go through its consent, come back to /link/callback/<platform>,
and the new credentials are checked with the platform before they are stored.
"""
