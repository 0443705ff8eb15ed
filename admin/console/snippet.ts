// The ready-to-paste @sso/client code the console shows for an application, by kind of app.
import type { ClientView } from '../../provider/administration/views.ts';

/** The snippet for `client` of `issuer` (secrets are read from the environment, never inlined). */
export function clientSnippet(issuer: string, client: ClientView): string {
  const id = JSON.stringify(client.clientId);
  const head = `import { createClient, discoverIssuer } from '@sso/client';\n\nconst issuer = await discoverIssuer(${JSON.stringify(issuer)});\n`;
  const secret =
    client.type === 'confidential' ? `,\n  clientSecret: process.env.SSO_CLIENT_SECRET!` : '';
  const created = `const client = createClient(issuer, {\n  clientId: ${id}${secret},\n});\n`;
  if (client.grantTypes.includes('client_credentials')) {
    const api = client.allowedApis[0] ?? 'https://api.example.com';
    return (
      `import { authorizedFetch, clientCredentials, createClient, discoverIssuer } from '@sso/client';\n\n` +
      `const issuer = await discoverIssuer(${JSON.stringify(issuer)});\n${created}\n` +
      `// Tokens for the API, cached and renewed before they expire.\n` +
      `const tokens = clientCredentials(client, { resource: ${JSON.stringify(api)} });\n` +
      `const callApi = authorizedFetch(tokens);\n`
    );
  }
  if (client.grantTypes.includes('authorization_code') && client.type === 'confidential') {
    const callback = new URL(client.redirectUris[0] ?? 'https://app.example.com/callback');
    return (
      `import { createClient, createWebAuth, discoverIssuer, expressWebAuth } from '@sso/client';\n` +
      `import express from 'express';\n\n` +
      `const issuer = await discoverIssuer(${JSON.stringify(issuer)});\n${created}` +
      `const web = createWebAuth(client, {\n  baseUrl: ${JSON.stringify(callback.origin)},\n` +
      `  secret: process.env.SESSION_SECRET!, // 32 random bytes or more\n` +
      `  paths: { callback: ${JSON.stringify(callback.pathname)} },\n});\n\n` +
      `const app = express();\napp.use(expressWebAuth(web)); // /login, the callback, /logout, and req.sso\n`
    );
  }
  return `${head}${created}`;
}
