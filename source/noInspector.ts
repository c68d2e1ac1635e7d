/**
 * Node opens its inspector, a debugger that runs any code it is sent, on 127.0.0.1:9229 when the
 * process receives SIGUSR1. iouringtop runs as root: whoever can signal it (root, by mistake) would
 * hand every local user a debugger into a root process. A listener of our own takes the signal's
 * place, and the signal does nothing. cli.tsx imports this module first, so the listener is in
 * place before anything else loads.
 */
process.on('SIGUSR1', () => undefined);
