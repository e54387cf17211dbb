"""RQ jobs and the platform connectors they publish through."""
