"""Rhythm and PostGraphile 4.14.1 side by side: the same data, the same row-level security, the same load.

`python -m bench.compare` builds (or reuses) the dashboard bench's data set, starts both servers with the same
number of processes, checks that they answer the same objects, counts the SQL statements each sends per
request, drives both with the same closed-loop load in alternation, and prints one table.
"""
