// SPDX-License-Identifier: MIT
// A Server-Sent Events server for QtSse's integration tests, built on the better-sse package
// (not written by this project). It serves one numbered event log on /events:
//
//   event k:  id "k", type message / tick / update (k % 3 == 1 / 2 / 0),
//             data JSON {"seq":k,"text":...}  (see eventFor(); tests compute the same)
//
// A new stream first gets the reconnection time (retry:), then every published event after
// the request's Last-Event-ID (all of them without one), then each event as it is published.
// What it sends depends only on Last-Event-ID, never on how many requests came before.
//
//   node sse-server.js [--port N] [--initial N] [--retry MS]
//
//   --port N     listen on 127.0.0.1:N (0, the default, lets the system pick)
//   --initial N  events 1..N are already published at start (a restarted server's history)
//   --retry MS   the retry: field every stream starts with (default 250)
//
// Query parameters of /events: accel=0 drops better-sse's "X-Accel-Buffering: no" header.
//
// Standard input takes commands, one per line:  "publish N"  publishes N more events.
// Standard output reports, one JSON object per line: listening, connected, disconnected,
// published. The server exits when standard input closes, so it never outlives its test.
'use strict';

const http = require('node:http');
const readline = require('node:readline');
const { createSession, createChannel } = require('better-sse');

function option(name, fallback) {
    const i = process.argv.indexOf(name);
    return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}

const port = option('--port', 0);
const retry = option('--retry', 250);
let published = option('--initial', 0);

const types = ['update', 'message', 'tick'];

function eventFor(k) {
    let text = `event ${k}`;
    if (k % 4 === 0)
        text = `line one of ${k}\nline two of ${k}`;
    else if (k % 5 === 0)
        text = `\u00fcn\u00efc\u00f6d\u00e9 \u2713 ${k}`;
    return { id: String(k), type: types[k % 3], data: { seq: k, text } };
}

function report(object) {
    process.stdout.write(JSON.stringify(object) + '\n');
}

const channel = createChannel();

const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method !== 'GET' || !url.pathname.endsWith('/events')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        return;
    }
    const headers = url.searchParams.get('accel') === '0' ? { 'X-Accel-Buffering': undefined } : {};
    const session = await createSession(req, res, { retry, keepAlive: null, headers });
    const lastId = /^[0-9]+$/.test(session.lastId) ? Number(session.lastId) : 0;
    const backlog = [];
    for (let k = lastId + 1; k <= published; ++k) {
        const e = eventFor(k);
        session.push(e.data, e.type, e.id);
        backlog.push(k);
    }
    channel.register(session);
    report({
        kind: 'connected',
        path: req.url,
        httpVersion: req.httpVersion,
        lastEventId: req.headers['last-event-id'] ?? null,
        acceptEncoding: req.headers['accept-encoding'] ?? null,
        backlog,
    });
    session.once('disconnected', () => report({ kind: 'disconnected', path: req.url }));
});

readline.createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, argument] = line.trim().split(/\s+/);
    if (command === 'publish') {
        const n = Number(argument ?? 1);
        for (let i = 0; i < n; ++i) {
            const e = eventFor(++published);
            channel.broadcast(e.data, e.type, { eventId: e.id });
        }
        report({ kind: 'published', last: published, clients: channel.sessionCount });
    }
}).on('close', () => process.exit(0));

server.listen(port, '127.0.0.1', () => report({ kind: 'listening', port: server.address().port }));
