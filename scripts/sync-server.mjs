#!/usr/bin/env node
// A CouchDB-compatible server for sync: express-pouchdb over PouchDB's in-memory adapter, on
// 127.0.0.1. Imported by the tests (startSyncServer), mounted at /couch by the demo's Vite server
// (createSyncApp), and run on its own by `npm run sync-server`.
import express from 'express';
import expressPouchDB from 'express-pouchdb';
import adapterHttp from 'pouchdb-adapter-http';
import adapterMemory from 'pouchdb-adapter-memory';
import PouchDB from 'pouchdb-core';
import mapReduce from 'pouchdb-mapreduce';
import replication from 'pouchdb-replication';

PouchDB.plugin(adapterMemory).plugin(adapterHttp).plugin(mapReduce).plugin(replication);

/** PouchDB with the memory, http, map-reduce and replication plugins (a plugin loads once). */
export { PouchDB };

/** Lets pages on other origins (the demo, browser tests) call the server, as CouchDB's CORS does. */
function cors(request, response, next) {
  response.setHeader('Access-Control-Allow-Origin', request.headers.origin ?? '*');
  response.setHeader('Access-Control-Allow-Credentials', 'true');
  response.setHeader('Access-Control-Allow-Methods', 'GET, PUT, POST, DELETE, HEAD, OPTIONS');
  response.setHeader(
    'Access-Control-Allow-Headers',
    'accept, authorization, content-type, origin, referer, x-requested-with',
  );
  if (request.method === 'OPTIONS') response.status(204).end();
  else next();
}

/**
 * Answers 401, as CouchDB does to a request without valid credentials, unless the request carries
 * `Authorization: Bearer <token>` with one of `tokens` (a set the caller may change while running).
 */
function bearer(tokens) {
  return (request, response, next) => {
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme === 'Bearer' && tokens.has(token)) next();
    else response.status(401).json({ error: 'unauthorized', reason: 'You are not authorized.' });
  };
}

/**
 * CouchDB reads the selector of `_changes?filter=_selector` from the POST body; express-pouchdb
 * reads only `doc_ids` there, so the selector is handed on as PouchDB's changes() takes it.
 */
function selectorFromBody(request, _response, next) {
  if (request.query.filter === '_selector' && request.body?.selector) {
    request.query.selector = request.body.selector;
  }
  next();
}

export function createSyncApp({ databases = [], tokens } = {}) {
  const MemoryPouch = PouchDB.defaults({ adapter: 'memory' });
  for (const name of databases) new MemoryPouch(name);
  const app = express();
  app.use(cors);
  if (tokens) app.use(bearer(tokens));
  app.post('/:db/_changes', express.json({ limit: '50mb' }), selectorFromBody);
  app.use('/', expressPouchDB(MemoryPouch, { mode: 'minimumForPouchDB', inMemoryConfig: true }));
  return app;
}

export async function startSyncServer({ port = 0, databases = [], tokens } = {}) {
  const app = createSyncApp({ databases, tokens });
  let server;
  const sockets = new Set();
  const listen = (at) =>
    new Promise((resolve, reject) => {
      server = app.listen(at, '127.0.0.1', () => resolve(server.address().port));
      server.on('error', reject);
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
    });
  const boundPort = await listen(port);
  const url = `http://127.0.0.1:${boundPort}`;
  let running = true;
  return {
    url,
    port: boundPort,
    get running() {
      return running;
    },
    /** Stops listening and cuts every open connection; the data stays in memory. */
    async stop() {
      if (!running) return;
      running = false;
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    /** Listens again on the same port, with the same data. */
    async restart() {
      if (running) return;
      await listen(boundPort);
      running = true;
    },
  };
}

const invokedDirectly =
  process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  const port = Number(process.env.PORT ?? 5984);
  const databases = (process.env.DATABASES ?? 'dexorm-demo').split(',').filter(Boolean);
  const server = await startSyncServer({ port, databases });
  console.log(
    `CouchDB-compatible sync server on ${server.url} (in memory; databases: ${databases.join(', ')})`,
  );
  console.log('Stop it with Ctrl+C.');
}
