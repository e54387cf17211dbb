"""Publishing: a post composed for each linked account and put there; accounts checked."""
