// Imported first by the entry points that serve requests: sizes libuv's thread pool, where argon2id
// password hashing runs, to the cores this process may use. Node's default is 4 threads whatever
// the machine: on 2 cores, 4 hashes at once take turns and each sign-in waits longer, and on 16
// cores 12 sit idle. An operator's own UV_THREADPOOL_SIZE wins. It must be set before the pool
// starts (at its first use), which is why this is a module of its own, evaluated before the rest.
import { availableParallelism } from 'node:os';

process.env.UV_THREADPOOL_SIZE ??= String(availableParallelism());
