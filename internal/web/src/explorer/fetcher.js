// The explorer's fetcher: queries and mutations are POSTed to /graphql with
// the headers editor's headers; subscriptions stream over the gateway's
// WebSocket (graphql-transport-ws, the Authorization header sent in
// connection_init) or, when chosen, over GraphQL-over-SSE.
import { getOperationAST, parse } from 'graphql';
import { createClient } from 'graphql-ws';

/** operationType is the type of the operation params would run, or null. */
export function operationType(query, operationName) {
  try {
    return getOperationAST(parse(query), operationName || undefined)?.operation ?? null;
  } catch {
    return null;
  }
}

function authorizationOf(headers) {
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === 'authorization') return String(v);
  }
  return '';
}

/**
 * createFetcher returns a GraphiQL fetcher for the endpoint (a path on this
 * origin). transport() tells the subscription transport: 'ws' or 'sse'.
 */
export function createFetcher(endpoint, transport) {
  const wsURL = new URL(endpoint, window.location.href);
  wsURL.protocol = wsURL.protocol === 'https:' ? 'wss:' : 'ws:';
  let ws = null;
  let wsAuth = null;
  const wsClient = (authorization) => {
    if (ws && wsAuth === authorization) return ws;
    ws?.dispose();
    wsAuth = authorization;
    ws = createClient({
      url: wsURL.href,
      lazy: true,
      retryAttempts: 0,
      connectionParams: authorization ? { Authorization: authorization } : {},
    });
    return ws;
  };

  return (params, opts) => {
    const headers = opts?.headers ?? {};
    if (operationType(params.query, params.operationName) === 'subscription') {
      if (transport() === 'sse') return sse(endpoint, params, headers);
      return wsClient(authorizationOf(headers)).iterate(params);
    }
    return fetch(endpoint, {
      method: 'POST',
      headers: { Accept: 'application/graphql-response+json, application/json', ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(params),
    }).then(async (r) => {
      const text = await r.text();
      try {
        return JSON.parse(text);
      } catch {
        return { errors: [{ message: `HTTP ${r.status}: ${text.slice(0, 500)}` }] };
      }
    });
  };
}

/** sse streams a subscription's events over GraphQL-over-SSE (distinct connections mode). */
async function* sse(endpoint, params, headers) {
  const ctrl = new AbortController();
  try {
    const r = await fetch(endpoint, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(params),
      signal: ctrl.signal,
    });
    if (!r.ok || !(r.headers.get('Content-Type') ?? '').startsWith('text/event-stream')) {
      const text = await r.text();
      try {
        yield JSON.parse(text);
      } catch {
        yield { errors: [{ message: `HTTP ${r.status}: ${text.slice(0, 500)}` }] };
      }
      return;
    }
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let i;
      while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i).replace(/^\r?\n\r?\n/, '');
        let event = 'message';
        const data = [];
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (event === 'complete') return;
        if (event === 'next' && data.length) yield JSON.parse(data.join('\n'));
      }
    }
  } finally {
    ctrl.abort();
  }
}
