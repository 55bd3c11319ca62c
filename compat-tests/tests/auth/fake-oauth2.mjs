// A local OAuth 2.0 provider server speaking the documented endpoints of GitHub, Discord and Facebook, for tests:
//   GitHub   GET /login/oauth/authorize, POST /login/oauth/access_token, GET /api/v3/user, GET /api/v3/user/emails
//   Discord  GET /api/oauth2/authorize, POST /api/oauth2/token, GET /api/users/@me
//   Facebook GET /dialog/oauth, POST /oauth/access_token, GET /me?fields=…&appsecret_proof=HMAC-SHA256(secret, token)
//   GitLab   GET /oauth/authorize, POST /oauth/token, GET /api/v4/user, GET /api/v4/user/emails
//   Twitch   GET /oauth2/authorize, POST /oauth2/token, GET /helix/users (Client-Id header required)
//   Spotify  GET /authorize, POST /api/token, GET /me
//   Bitbucket GET /site/oauth2/authorize, POST /site/oauth2/access_token, GET /2.0/user, GET /2.0/user/emails
// The authorize endpoint approves at once as the provider's `user` (set by the test) and redirects with a code.
import { createServer } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';

export async function startFakeOAuth2({ clients }) {
  const codes = new Map(); // code -> { provider, user, redirectUri }
  const tokens = new Map(); // access token -> { provider, user }
  const state = { users: {}, requests: [], failExchange: null };

  const json = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = (req) => new Promise((ok) => { let b = ''; req.on('data', (d) => { b += d; }); req.on('end', () => ok(b)); });
  const route = (path) => {
    if (path === '/login/oauth/authorize') return ['github', 'authorize'];
    if (path === '/login/oauth/access_token') return ['github', 'token'];
    if (path === '/api/oauth2/authorize') return ['discord', 'authorize'];
    if (path === '/api/oauth2/token') return ['discord', 'token'];
    if (path === '/dialog/oauth') return ['facebook', 'authorize'];
    if (path === '/oauth/access_token') return ['facebook', 'token'];
    if (path === '/oauth/authorize') return ['gitlab', 'authorize'];
    if (path === '/oauth/token') return ['gitlab', 'token'];
    if (path === '/oauth2/authorize') return ['twitch', 'authorize'];
    if (path === '/oauth2/token') return ['twitch', 'token'];
    if (path === '/authorize') return ['spotify', 'authorize'];
    if (path === '/api/token') return ['spotify', 'token'];
    if (path === '/site/oauth2/authorize') return ['bitbucket', 'authorize'];
    if (path === '/site/oauth2/access_token') return ['bitbucket', 'token'];
    return [null, null];
  };
  const bearer = (req) => {
    const m = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
    return m ? tokens.get(m[1]) : undefined;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    state.requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers });
    const [provider, kind] = route(url.pathname);
    if (kind === 'authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== clients[provider].clientId || q.get('response_type') !== 'code') return json(res, 400, { error: 'invalid_request' });
      const code = randomBytes(8).toString('hex');
      codes.set(code, { provider, user: state.users[provider], redirectUri: q.get('redirect_uri') });
      const back = new URL(q.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state'));
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (kind === 'token') {
      const form = new URLSearchParams(await readBody(req));
      const grant = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      if (state.failExchange === provider) return json(res, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      if (!grant || grant.provider !== provider || form.get('client_id') !== clients[provider].clientId
          || form.get('client_secret') !== clients[provider].secret || form.get('redirect_uri') !== grant.redirectUri) {
        return json(res, 400, { error: 'invalid_grant' });
      }
      const access = `${provider}-${randomBytes(12).toString('hex')}`;
      tokens.set(access, grant);
      if (provider === 'github' && !(req.headers.accept ?? '').includes('json')) {
        res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' });
        return res.end(`access_token=${access}&scope=user%3Aemail&token_type=bearer`);
      }
      const body = { access_token: access, token_type: 'bearer' };
      if (provider === 'discord') Object.assign(body, { refresh_token: `refresh-${access}`, expires_in: 604800, scope: 'email identify' });
      return json(res, 200, body);
    }
    const who = bearer(req);
    if (url.pathname === '/api/v3/user' || url.pathname === '/api/v3/user/emails') {
      if (who?.provider !== 'github') return json(res, 401, { message: 'Bad credentials' });
      const u = who.user;
      if (url.pathname === '/api/v3/user') return json(res, 200, { id: u.id, login: u.login, name: u.name, avatar_url: u.avatar_url, email: null });
      return json(res, 200, u.emails);
    }
    if (url.pathname === '/api/users/@me') {
      if (who?.provider !== 'discord') return json(res, 401, { message: '401: Unauthorized', code: 0 });
      return json(res, 200, who.user);
    }
    if (url.pathname === '/api/v4/user' || url.pathname === '/api/v4/user/emails') {
      if (who?.provider !== 'gitlab') return json(res, 401, { message: '401 Unauthorized' });
      const { extraEmails, ...u } = who.user;
      return json(res, 200, url.pathname.endsWith('/emails') ? extraEmails.map((email, i) => ({ id: i + 1, email })) : u);
    }
    if (url.pathname === '/helix/users') {
      if (who?.provider !== 'twitch' || req.headers['client-id'] !== clients.twitch.clientId) return json(res, 401, { error: 'Unauthorized', status: 401, message: 'Client ID and OAuth token do not match' });
      return json(res, 200, { data: [who.user] });
    }
    if (url.pathname === '/2.0/user' || url.pathname === '/2.0/user/emails') {
      if (who?.provider !== 'bitbucket') return json(res, 401, { type: 'error', error: { message: 'Access token expired.' } });
      const { emails, ...u } = who.user;
      return json(res, 200, url.pathname.endsWith('/emails') ? { values: emails, pagelen: 10, page: 1, size: emails.length } : u);
    }
    if (url.pathname === '/me' && who?.provider === 'spotify') return json(res, 200, who.user);
    if (url.pathname === '/me') {
      if (who?.provider !== 'facebook') return json(res, 400, { error: { type: 'OAuthException', message: 'Invalid OAuth access token.' } });
      const token = req.headers.authorization.slice('Bearer '.length);
      const proof = createHmac('sha256', clients.facebook.secret).update(token).digest('hex');
      if (url.searchParams.get('appsecret_proof') !== proof) return json(res, 400, { error: { type: 'GraphMethodException', message: 'Invalid appsecret_proof provided in the API argument' } });
      const u = who.user;
      const fields = (url.searchParams.get('fields') ?? '').split(',');
      return json(res, 200, Object.fromEntries(Object.entries(u).filter(([k]) => k === 'id' || fields.includes(k))));
    }
    json(res, 404, { error: 'not_found' });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}
