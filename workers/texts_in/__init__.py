"""The conversation: a text in becomes a command, a held post or a post."""
