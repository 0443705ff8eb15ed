// Any other server: verify, then answer refusals with errorResponse (RFC 6750).
import {
  createVerifier,
  discoverIssuer,
  errorResponse,
  isSsoError,
  requireGroups,
  requireScopes,
  verifyAccessToken,
  verifyRequest,
} from '@sso/client';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const issuer = await discoverIssuer('https://sso.example.com');
const verifier = createVerifier(issuer, { audience: 'https://api.example.com/orders' });

const server = createServer((req, res) => {
  void handle(req, res);
});
server.listen(4000);

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const verified = await verifyRequest(verifier, {
      method: req.method!,
      url: `https://api.example.com${req.url}`,
      headers: { authorization: req.headers.authorization, dpop: req.headers.dpop },
    });
    requireScopes(verified, ['orders:read']);
    if (req.method === 'DELETE') requireGroups(verified, ['admins']);
    res.end(`hello ${verified.claims.sub}`);
  } catch (error) {
    if (!isSsoError(error)) return void res.writeHead(500).end();
    const { status, headers, body } = errorResponse(verifier, error);
    res.writeHead(status, { ...headers, 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

// A token on its own (a message queue, say): bearer tokens only.
export async function handleMessage(token: string): Promise<string> {
  try {
    const { claims } = await verifyAccessToken(verifier, token, { scopes: ['orders:write'] });
    return claims.sub!;
  } catch (error) {
    if (isSsoError(error, 'SSO_TOKEN_EXPIRED')) return 'expired: ask the sender to retry';
    throw error;
  }
}
