'use strict';
// PostGraphile 4.14.1 in library mode over Rhythm's database, for `python -m bench.compare` only.
//
// It runs every request under the same row-level security as Rhythm: pgSettings switch the transaction to
// `rhythm_app` and set the caller settings that Rhythm's policies read (db/tenant.py), and the caller is the
// `sub` of a Rhythm access token, checked with Rhythm's secret and claims. Reading Rhythm's tokens is a bench
// shortcut, not a way to deploy PostGraphile: the process trusts whatever RHYTHM_JWT_SECRET signs.
//
// Environment: DATABASE_URL (a login role that may SET ROLE rhythm_app), RHYTHM_JWT_SECRET, HOST, PORT,
// WORKERS (node cluster processes), POOL_SIZE (connections per process).

const cluster = require('node:cluster');
const http = require('node:http');
const path = require('node:path');
const jwt = require('jsonwebtoken');
const { Pool } = require('pg');
const { postgraphile } = require('postgraphile');
const { makePgSmartTagsFromFilePlugin } = require('postgraphile/plugins');
// `filter` on connections (ranges, `in`, array containment, case-insensitive substrings): plain PostGraphile has
// equality `condition` alone, and the task lists need the rest.
const ConnectionFilterPlugin = require('postgraphile-plugin-connection-filter');

const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number(process.env.PORT || 5000);
const WORKERS = Number(process.env.WORKERS || 2);
const POOL_SIZE = Number(process.env.POOL_SIZE || 10);
const SECRET = process.env.RHYTHM_JWT_SECRET;

function required(name, value) {
  if (!value) {
    console.error(`postgraphile: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

// The caller of a request, as Rhythm's Authorization header names it; nobody without one.
function userIdOf(req) {
  const header = req.headers.authorization || '';
  if (!header) return '';
  const [scheme, token] = header.split(' ');
  if (scheme !== 'Bearer' || !token) throw new Error('Use `Authorization: Bearer <access token>`.');
  const claims = jwt.verify(token, SECRET, { algorithms: ['HS256'], issuer: 'rhythm' });
  if (claims.typ !== 'access' || !claims.sub) throw new Error('The access token is not valid.');
  return String(claims.sub);
}

// The same settings, with the same values for a person, as Rhythm's db/tenant.py sets.
function pgSettings(req) {
  return {
    role: 'rhythm_app',
    'rhythm.user_id': userIdOf(req),
    'rhythm.company_id': '',
    'rhythm.api_company_id': '',
    'rhythm.api_scopes': '',
  };
}

function serve() {
  const pool = new Pool({ connectionString: required('DATABASE_URL', process.env.DATABASE_URL), max: POOL_SIZE });
  const middleware = postgraphile(pool, 'public', {
    // The production options PostGraphile's documentation recommends, minus what the bench has no use for.
    pgSettings,
    appendPlugins: [
      makePgSmartTagsFromFilePlugin(path.join(__dirname, 'postgraphile.tags.json5')),
      ConnectionFilterPlugin,
    ],
    graphiql: false,
    watchPg: false,
    disableQueryLog: true,
    ignoreRBAC: false,
    dynamicJson: true,
    setofFunctionsContainNulls: false,
    legacyRelations: 'omit',
    extendedErrors: ['errcode'],
    retryOnInitFail: false,
  });
  http.createServer(middleware).listen(PORT, HOST);
}

if (cluster.isPrimary) {
  required('RHYTHM_JWT_SECRET', SECRET);
  let stopping = false;
  for (let n = 0; n < WORKERS; n += 1) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`postgraphile: worker ${worker.process.pid} exited (${signal || code})`);
    process.exit(1);
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.kill();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else {
  serve();
}
