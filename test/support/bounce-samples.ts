import { execFileSync } from 'node:child_process';
import { createHmac, createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnsMessage, snsStringToSign } from '../../src/bounces/providers/sns';

/** A throwaway key and self-signed certificate standing in for SNS's signing certificate. */
export function makeSigningCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vestnik-sns-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=sns.amazonaws.com',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const SIGNING_CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';

/** An SNS message signed the way SNS signs (SignatureVersion 2: SHA256withRSA, 1: SHA1withRSA, over the canonical string). */
export function signedSns(key: string, fields: Partial<SnsMessage> & Pick<SnsMessage, 'Type' | 'Message' | 'TopicArn'>): SnsMessage {
  const message: SnsMessage = {
    MessageId: `msg-${Math.random().toString(36).slice(2)}`,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '2',
    SigningCertURL: SIGNING_CERT_URL,
    Signature: '',
    ...fields,
  };
  const algorithm = message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256';
  message.Signature = createSign(algorithm).update(snsStringToSign(message)).sign(key, 'base64');
  return message;
}

export function sesBounce(email: string, bounceType: 'Permanent' | 'Transient', messageId?: string): string {
  return JSON.stringify({
    notificationType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: [{ emailAddress: email, status: bounceType === 'Permanent' ? '5.1.1' : '4.2.2', diagnosticCode: `smtp; 550 5.1.1 <${email}> unknown` }],
      timestamp: new Date().toISOString(),
      feedbackId: 'fb-1',
    },
    mail: { messageId: 'ses-internal-id', commonHeaders: messageId ? { messageId: `<${messageId}>` } : {}, destination: [email] },
  });
}

export function sesComplaint(email: string): string {
  return JSON.stringify({
    notificationType: 'Complaint',
    complaint: { complainedRecipients: [{ emailAddress: email }], complaintFeedbackType: 'abuse', feedbackId: 'fb-2' },
    mail: { messageId: 'ses-internal-id-2', destination: [email] },
  });
}

export function mailgunEvent(signingKey: string, eventData: Record<string, unknown>, timestamp = Math.floor(Date.now() / 1000)) {
  const token = Math.random().toString(36).slice(2).padEnd(50, 'x');
  const signature = createHmac('sha256', signingKey).update(`${timestamp}${token}`).digest('hex');
  return { signature: { timestamp: String(timestamp), token, signature }, 'event-data': { id: `mg-${token.slice(0, 10)}`, ...eventData } };
}

/** A Postfix-style RFC 3464 report, with the original headers returned. */
export function dsnMessage(recipient: string, status: string, originalMessageId: string): string {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
    'To: bounces@example.test',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    '\tboundary="8D2C2A1F.1700000000/mx.example.net"',
    '',
    'This is a MIME-encapsulated message.',
    '',
    '--8D2C2A1F.1700000000/mx.example.net',
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'I\'m sorry to have to inform you that your message could not be delivered.',
    '',
    '--8D2C2A1F.1700000000/mx.example.net',
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    'X-Postfix-Queue-ID: 8D2C2A1F',
    'Arrival-Date: Sun, 22 Nov 2026 07:00:00 +0000 (UTC)',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Original-Recipient: rfc822;${recipient}`,
    'Action: failed',
    `Status: ${status}`,
    'Remote-MTA: dns; mx.example.ru',
    `Diagnostic-Code: smtp; 550 ${status} <${recipient}>: Recipient address rejected:`,
    '    User unknown in virtual mailbox table',
    '',
    '--8D2C2A1F.1700000000/mx.example.net',
    'Content-Description: Undelivered Message Headers',
    'Content-Type: text/rfc822-headers',
    '',
    'From: "Test Site" <news@example.test>',
    `To: ${recipient}`,
    'Subject: News',
    `Message-ID: <${originalMessageId}>`,
    '',
    '--8D2C2A1F.1700000000/mx.example.net--',
    '',
  ].join('\r\n');
}
