"""Rhythm's GraphQL schema: types, queries, mutations, dataloaders and typed errors."""
