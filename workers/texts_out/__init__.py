"""Texts out: the replies' words, fitted to one SMS segment, and the senders."""
