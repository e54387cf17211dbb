"""RQ jobs grouped by concern, the worker's own machinery, and the platform connectors.

texts_in: a text in becomes a command or a post. texts_out: replies fitted to
SMS and sent. publishing: a post put on each linked account. mentions: replies
and mentions read back and texted. platforms: one connector per platform.
"""
