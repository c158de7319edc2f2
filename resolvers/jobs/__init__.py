"""Background jobs: dead letters for owners and platform administrators, queue figures for the latter."""
