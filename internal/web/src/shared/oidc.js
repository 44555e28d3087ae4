// OpenID Connect sign-in for the portal and the desk: authorization code
// flow with PKCE (S256), for a public client in the browser. The provider is
// found through its discovery document, so the same code signs in against
// the development issuer (serve --dev-issuer) and against the city's
// SPID/CIE broker (--oidc-issuer).
//
// The session (access token, the ID token's claims, expiry) lives in
// sessionStorage: it ends with the tab, and nothing is written to cookies.

const PENDING = 'citizengraph:oidc:pending';
const SESSION = 'citizengraph:oidc:session';

function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(n = 32) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

async function s256(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return b64url(new Uint8Array(digest));
}

/** decodeJWT returns a JWT's payload (no signature check: see handleCallback). */
export function decodeJWT(token) {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

export class SignInError extends Error {}

export class OIDCClient {
  /**
   * @param {{issuer: string, clientId: string, redirectUri: string, scope?: string, storage?: Storage}} opts
   */
  constructor({ issuer, clientId, redirectUri, scope = 'openid profile', storage = sessionStorage }) {
    this.issuer = issuer.replace(/\/$/, '');
    this.clientId = clientId;
    this.redirectUri = redirectUri;
    this.scope = scope;
    this.storage = storage;
    this.metadata = null;
  }

  /** discover reads (once) the provider's discovery document. */
  async discover() {
    if (this.metadata) return this.metadata;
    const r = await fetch(`${this.issuer}/.well-known/openid-configuration`, { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new SignInError(`discovery: ${r.status}`);
    const m = await r.json();
    if (m.issuer.replace(/\/$/, '') !== this.issuer) throw new SignInError(`discovery names issuer ${m.issuer}, not ${this.issuer}`);
    if (m.code_challenge_methods_supported && !m.code_challenge_methods_supported.includes('S256')) {
      throw new SignInError('the provider does not support PKCE S256');
    }
    this.metadata = m;
    return m;
  }

  /** signIn sends the browser to the provider; back at redirectUri, handleCallback ends the sign-in and returns returnTo. */
  async signIn(returnTo = location.hash || '#/') {
    const m = await this.discover();
    const verifier = random(48);
    const pending = { state: random(), nonce: random(), verifier, returnTo, redirectUri: this.redirectUri, at: Date.now() };
    this.storage.setItem(PENDING, JSON.stringify(pending));
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      scope: this.scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await s256(verifier),
      code_challenge_method: 'S256',
    });
    location.assign(`${m.authorization_endpoint}?${q}`);
  }

  /** isCallback reports whether the page was loaded as the provider's answer. */
  static isCallback(loc = location) {
    const q = new URLSearchParams(loc.search);
    return q.has('state') && (q.has('code') || q.has('error'));
  }

  /**
   * handleCallback ends a sign-in: checks state (and iss, RFC 9207), redeems
   * the code with the verifier and checks the ID token's iss, aud, nonce and
   * exp. The ID token comes straight from the token endpoint over the
   * page's connection, which OpenID Connect Core §3.1.3.7 accepts in place
   * of checking its signature; the API verifies the access token itself.
   * Returns the route to go back to.
   */
  async handleCallback(loc = location) {
    const q = new URLSearchParams(loc.search);
    const raw = this.storage.getItem(PENDING);
    this.storage.removeItem(PENDING);
    const pending = raw ? JSON.parse(raw) : null;
    if (!pending || q.get('state') !== pending.state) throw new SignInError('risposta di accesso inattesa (state non corrisponde)');
    if (q.has('error')) throw new SignInError(q.get('error') === 'access_denied' ? 'Accesso annullato.' : `${q.get('error')}: ${q.get('error_description') ?? ''}`);
    const m = await this.discover();
    if (q.has('iss') && q.get('iss').replace(/\/$/, '') !== this.issuer) throw new SignInError('la risposta viene da un altro emittente');
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code: q.get('code'),
      redirect_uri: pending.redirectUri,
      client_id: this.clientId,
      code_verifier: pending.verifier,
    });
    const r = await fetch(m.token_endpoint, { method: 'POST', body, headers: { Accept: 'application/json' } });
    const tk = await r.json().catch(() => ({}));
    if (!r.ok || !tk.access_token) throw new SignInError(`token: ${tk.error ?? r.status} ${tk.error_description ?? ''}`);
    const claims = tk.id_token ? decodeJWT(tk.id_token) : {};
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (tk.id_token) {
      if (String(claims.iss).replace(/\/$/, '') !== this.issuer) throw new SignInError('ID token: issuer');
      if (!aud.includes(this.clientId)) throw new SignInError('ID token: audience');
      if (claims.nonce !== pending.nonce) throw new SignInError('ID token: nonce');
      if (claims.exp * 1000 < Date.now()) throw new SignInError('ID token: expired');
    }
    const session = {
      accessToken: tk.access_token,
      idToken: tk.id_token ?? null,
      claims,
      expiresAt: Date.now() + (tk.expires_in ?? 3600) * 1000,
    };
    this.storage.setItem(SESSION, JSON.stringify(session));
    return pending.returnTo;
  }

  /** session is the current sign-in, or null (none, or expired). */
  session() {
    const raw = this.storage.getItem(SESSION);
    if (!raw) return null;
    const s = JSON.parse(raw);
    if (s.expiresAt <= Date.now() + 5000) {
      this.storage.removeItem(SESSION);
      return null;
    }
    return s;
  }

  /** token is the access token of the session, or null. */
  token() {
    return this.session()?.accessToken ?? null;
  }

  /** forget drops the session (a token the API refused: signing in again is needed). */
  forget() {
    this.storage.removeItem(SESSION);
  }

  /** signOut forgets the session and, when the provider has one, ends its session too. */
  async signOut(returnTo = this.redirectUri) {
    const s = this.session();
    this.storage.removeItem(SESSION);
    const m = this.metadata ?? (await this.discover().catch(() => null));
    if (m?.end_session_endpoint && s?.idToken) {
      const q = new URLSearchParams({ id_token_hint: s.idToken, post_logout_redirect_uri: returnTo, client_id: this.clientId });
      location.assign(`${m.end_session_endpoint}?${q}`);
      return;
    }
    location.assign(returnTo);
  }
}
