// `node provider/healthcheck.ts`: exits 0 when the service on this machine answers its health check
// (for container health checks). Reads the same configuration as the service.
import { loadConfig } from './config.ts';

const config = loadConfig(process.env);
const url = `http://127.0.0.1:${config.port}${config.basePath}/healthz`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
