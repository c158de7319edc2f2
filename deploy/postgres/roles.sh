#!/bin/sh
# Runs once, when the PostgreSQL container initialises its data folder, as the owner (POSTGRES_USER).
# rhythm_app is what every transaction switches to (the migrations create it too, if it is missing); the API and
# the workers log in as rhythm_api, which owns nothing and is only a member of rhythm_app.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE rhythm_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE ROLE rhythm_api LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT
  PASSWORD '${RHYTHM_API_PASSWORD}';
GRANT rhythm_app TO rhythm_api;
SQL
