"""Replies and mentions of people's posts, read from each platform and texted to them."""
