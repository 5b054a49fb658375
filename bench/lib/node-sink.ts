/** Fallback discard SMTP sink (when Postfix's smtp-sink is missing): accepts and drops every message. */
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

let count = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  maxClients: 1000,
  size: 50 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      count++;
      callback();
    });
  },
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`@@ready ${JSON.stringify({ port: (server.server.address() as AddressInfo).port })}\n`);
  setInterval(() => process.stdout.write(`mesg=${count}\n`), 200);
});
process.on('SIGTERM', () => process.exit(0));
