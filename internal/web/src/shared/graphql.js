// The faces' GraphQL client: queries and mutations over fetch, subscriptions
// over graphql-transport-ws (graphql-ws), both against the gateway.
//
// Operations are trusted documents ({id, name, kind, text}, imported from
// .graphql files): the client sends only the id, in
// extensions.persistedQuery, as serve registers them. Against a gateway
// that does not know the id (PERSISTED_QUERY_NOT_FOUND) the text is sent
// with it once.
import { createClient as createWSClient } from 'graphql-ws';

/** GraphQLRequestError carries the errors of a response (and its partial data). */
export class GraphQLRequestError extends Error {
  constructor(errors, data, status) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.data = data;
    this.status = status;
  }

  /** code is the first error's extensions.code. */
  get code() {
    return this.errors[0]?.extensions?.code;
  }
}

function persisted(doc) {
  return { persistedQuery: { version: 1, sha256Hash: doc.id } };
}

/**
 * createClient returns {request, upload, subscribe, close}.
 * @param {{url?: string, token: () => (string|null), onUnauthenticated?: () => void}} opts
 */
export function createClient({ url = '/graphql', token, onUnauthenticated = () => {} }) {
  const headers = () => {
    const h = { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' };
    const t = token();
    if (t) h.Authorization = `Bearer ${t}`;
    return h;
  };

  async function post(doc, variables, withText) {
    const body = { operationName: doc.name, variables: variables ?? {}, extensions: persisted(doc) };
    if (withText) body.query = doc.text;
    const r = await fetch(url, { method: 'POST', headers: headers(), body: JSON.stringify(body) });
    const res = await r.json().catch(() => ({ errors: [{ message: `HTTP ${r.status}` }] }));
    return { status: r.status, res };
  }

  /** request runs a query or mutation and returns its data; errors throw GraphQLRequestError. */
  async function request(doc, variables) {
    let { status, res } = await post(doc, variables, false);
    if (res.errors?.some((e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND')) {
      ({ status, res } = await post(doc, variables, true));
    }
    if (res.errors?.length) {
      const err = new GraphQLRequestError(res.errors, res.data, status);
      if (status === 401 || err.code === 'UNAUTHENTICATED') onUnauthenticated(err);
      throw err;
    }
    return res.data;
  }

  async function postMultipart(doc, variables, files, withText) {
    // The GraphQL multipart request spec: the operations part with null in
    // each file's place, the map part naming the file parts.
    const vars = structuredClone(variables ?? {});
    const map = {};
    const form = new FormData();
    Object.keys(files).forEach((path, i) => {
      map[String(i)] = [`variables.${path}`];
      const keys = path.split('.');
      let o = vars;
      for (const k of keys.slice(0, -1)) o = o[k];
      o[keys[keys.length - 1]] = null;
    });
    const ops = { operationName: doc.name, variables: vars, extensions: persisted(doc) };
    if (withText) ops.query = doc.text;
    form.append('operations', JSON.stringify(ops));
    form.append('map', JSON.stringify(map));
    Object.values(files).forEach((f, i) => form.append(String(i), f, f.name));
    const h = headers();
    delete h['Content-Type']; // the browser sets the multipart boundary
    h['Apollo-Require-Preflight'] = 'true'; // the CSRF rule: multipart is a form's content type
    const r = await fetch(url, { method: 'POST', headers: h, body: form });
    const res = await r.json().catch(() => ({ errors: [{ message: `HTTP ${r.status}` }] }));
    return { status: r.status, res };
  }

  /** upload runs a mutation whose variables take files ({'file': File, 'input.doc': File}), as a multipart request. */
  async function upload(doc, variables, files) {
    let { status, res } = await postMultipart(doc, variables, files, false);
    if (res.errors?.some((e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND')) {
      ({ status, res } = await postMultipart(doc, variables, files, true));
    }
    if (res.errors?.length) {
      const err = new GraphQLRequestError(res.errors, res.data, status);
      if (status === 401 || err.code === 'UNAUTHENTICATED') onUnauthenticated(err);
      throw err;
    }
    return res.data;
  }

  let ws = null;
  let wsToken = null;
  const wsURL = () => {
    const u = new URL(url, location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.toString();
  };
  function socket() {
    const t = token();
    if (ws && wsToken === t) return ws;
    ws?.dispose();
    wsToken = t;
    ws = createWSClient({
      url: wsURL(),
      lazy: true,
      connectionParams: () => (t ? { Authorization: `Bearer ${t}` } : {}),
      retryAttempts: 20,
      // A refused or expired token (4403, 4401) or a bad request (4400) is
      // not retried: the page signs in again; anything else (the server
      // restarting, the network) is.
      shouldRetry: (e) => ![4400, 4401, 4403].includes(e?.code),
      on: {
        closed: (e) => {
          if (e?.code === 4403 || e?.code === 4401) onUnauthenticated(new Error('sessione scaduta'));
        },
      },
    });
    return ws;
  }

  /**
   * subscribe follows a subscription: next(data) for every event,
   * error(err) when it ends with an error. Returns a function that stops it.
   */
  function subscribe(doc, variables, { next, error = () => {}, complete = () => {} }) {
    return socket().subscribe(
      { operationName: doc.name, query: '', variables: variables ?? {}, extensions: persisted(doc) },
      {
        next: (res) => {
          if (res.errors?.length) error(new GraphQLRequestError(res.errors, res.data));
          else next(res.data);
        },
        error: (e) => error(Array.isArray(e) ? new GraphQLRequestError(e) : e instanceof Error ? e : new Error(`connessione chiusa (${e?.code ?? '?'})`)),
        complete,
      },
    );
  }

  return { request, upload, subscribe, close: () => ws?.dispose() };
}
