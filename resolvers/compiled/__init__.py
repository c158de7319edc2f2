"""Compiled reads: a query whose every field maps onto the tables is answered by one SQL statement.

The statement writes the whole `data` object as compact JSON text (render.py), so neither graphql-core nor
Strawberry runs per field and no row reaches Python. It runs in the same transaction, as the same caller,
under the same row-level security policies as the resolvers; anything it does not cover (another field, an
argument it does not know, an error to report) goes to the full executor, which stays the reference. The
equivalence tests compare both on every document they know.
"""
