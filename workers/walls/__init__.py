"""Jobs for the events' walls: public posts read from the events' hashtags."""
