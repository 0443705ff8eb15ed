// A TLS-terminating reverse proxy, run as its own process by tls-proxy.ts: https in (with the
// certificate given), plain http to the target, adding X-Forwarded-For/-Proto/-Host as nginx's
// usual configuration does. Prints "listening" once it accepts connections.
//   node tls-proxy-process.ts <port> <target-origin> <key-file> <cert-file>
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:https';

const [port, target, keyFile, certFile] = process.argv.slice(2);
const upstream = new URL(target!);

const server = createServer(
  { key: readFileSync(keyFile!), cert: readFileSync(certFile!) },
  (incoming, outgoing) => {
    const forwardedFor = [incoming.headers['x-forwarded-for'], incoming.socket.remoteAddress]
      .filter(Boolean)
      .join(', ');
    const proxied = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: {
          ...incoming.headers,
          host: upstream.host,
          'x-forwarded-for': forwardedFor,
          'x-forwarded-proto': 'https',
          'x-forwarded-host': incoming.headers.host ?? '',
        },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    proxied.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(proxied);
  },
);
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
