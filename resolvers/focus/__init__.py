"""Focus sessions in GraphQL: the type, the viewer's sessions, and the start-to-rating mutations."""
