/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- a plain CommonJS preload for `node --require` */
// Experiment only: every TCP socket of this process gets TCP_NODELAY (what SmtpTransport lacks).
const net = require('node:net');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) { this.setNoDelay(true); return connect.apply(this, args); };
