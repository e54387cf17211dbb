"""Following an event by text: FOLLOW and UNFOLLOW, and the broadcasts followers get."""
