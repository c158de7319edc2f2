"""Rhythm's GraphQL schema: types, queries, mutations, dataloaders and typed errors."""

# The enums first: every module that names a domain enum finds it already described.
import resolvers.enums  # noqa: F401
