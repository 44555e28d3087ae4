// Hooks the portal and the desk share: the hash router and GraphQL
// queries bound to the client of each app's context.
import { useCallback, useEffect, useRef, useState } from 'react';

/** parseRoute splits location.hash ("#/a/b?x=1") into {path: ['a','b'], query, hash}. */
export function parseRoute(hash) {
  const h = hash.replace(/^#/, '') || '/';
  const [p, q = ''] = h.split('?');
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q), hash: `#${h}` };
}

/** useRoute is the current parseRoute(location.hash), updated on hashchange. */
export function useRoute() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/**
 * queryHook returns useQuery(doc, vars, {skip}) for the app whose context
 * hook useApp gives {client}: it runs doc with vars when they change and
 * is {data, error, loading, reload, setData}.
 */
export function queryHook(useApp) {
  return function useQuery(doc, vars, { skip = false } = {}) {
    const { client } = useApp();
    const [state, setState] = useState({ data: null, error: null, loading: !skip });
    const key = JSON.stringify(vars ?? {});
    const seq = useRef(0);
    const run = useCallback(async () => {
      if (skip) return;
      const n = ++seq.current;
      setState((s) => ({ ...s, loading: true }));
      try {
        const data = await client.request(doc, JSON.parse(key));
        if (n === seq.current) setState({ data, error: null, loading: false });
      } catch (error) {
        if (n === seq.current) setState((s) => ({ data: error.data ?? s.data, error, loading: false }));
      }
    }, [client, doc, key, skip]);
    useEffect(() => { run(); }, [run]);
    const setData = useCallback((f) => setState((s) => ({ ...s, data: typeof f === 'function' ? f(s.data) : f })), []);
    return { ...state, reload: run, setData };
  };
}
