// Loaded with --import into a profiled target: SIGTERM ends it normally, so --cpu-prof writes.
process.on('SIGTERM', () => process.exit(0));
